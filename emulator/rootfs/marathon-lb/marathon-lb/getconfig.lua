-- /_haproxy_getconfig: the configuration file this process was started with
-- (the path after -f on its command line).
local function config_path()
  local f = io.open("/proc/self/cmdline", "rb")
  local words = {}
  for w in f:read("*a"):gmatch("[^%z]+") do table.insert(words, w) end
  f:close()
  for i, w in ipairs(words) do
    if w == "-f" then return words[i + 1] end
  end
  return "/marathon-lb/haproxy.cfg"
end

core.register_service("getconfig", "http", function(applet)
  local f = io.open(config_path(), "r")
  local text = f and f:read("*a") or ""
  if f then f:close() end
  applet:set_status(200)
  applet:add_header("content-length", string.len(text))
  applet:add_header("content-type", "text/plain")
  applet:start_response()
  applet:send(text)
end)
