-- /_mlb_signal/hup (read Marathon again) and /_mlb_signal/usr1 (reload the
-- file as it is): a signal to the generator process.
local function signal(name)
  return function(applet)
    local ok, _, code = os.execute("pkill -" .. name .. " -f '^node .*marathon-lb.cjs'")
    local text
    if ok then
      applet:set_status(200)
      text = "Sent SIG" .. name .. " signal to marathon-lb"
    else
      applet:set_status(500)
      text = "Failed to send SIG" .. name .. " signal to marathon-lb (exit code " .. tostring(code) .. "). Is marathon-lb running in 'poll' mode?"
    end
    applet:add_header("content-length", string.len(text))
    applet:add_header("content-type", "text/plain")
    applet:start_response()
    applet:send(text)
  end
end

core.register_service("signalmlbhup", "http", signal("HUP"))
core.register_service("signalmlbusr1", "http", signal("USR1"))
