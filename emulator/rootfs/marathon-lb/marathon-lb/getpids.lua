-- /_haproxy_getpids: the PIDs of every haproxy process (the master and its
-- workers); more than two means an old worker is still draining a reload.
core.register_service("getpids", "http", function(applet)
  local p = io.popen("pidof haproxy")
  local pids = p:read("*a"):gsub("%s+$", "")
  p:close()
  applet:set_status(200)
  applet:add_header("content-length", string.len(pids))
  applet:add_header("content-type", "text/plain")
  applet:start_response()
  applet:send(pids)
end)
