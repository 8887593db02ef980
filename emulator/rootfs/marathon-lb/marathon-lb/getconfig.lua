-- /_haproxy_getconfig: the configuration this worker runs, read once when it
-- starts (the path after -f on its command line), so it never shows a file
-- that a reload has not put into service yet.
local config = ""

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

core.register_init(function()
  local f = io.open(config_path(), "r")
  if f then
    config = f:read("*a")
    f:close()
  end
end)

core.register_service("getconfig", "http", function(applet)
  applet:set_status(200)
  applet:add_header("content-length", string.len(config))
  applet:add_header("content-type", "text/plain")
  applet:start_response()
  applet:send(config)
end)
