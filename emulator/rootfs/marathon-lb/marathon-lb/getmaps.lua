-- /_haproxy_getvhostmap and /_haproxy_getappmap: the map files of
-- --haproxy-map, which is not emulated, so both answer empty as Marathon-LB
-- does without that option.
local function empty(applet)
  applet:set_status(200)
  applet:add_header("content-length", "0")
  applet:add_header("content-type", "text/plain")
  applet:start_response()
end

core.register_service("getvhostmap", "http", empty)
core.register_service("getappmap", "http", empty)
