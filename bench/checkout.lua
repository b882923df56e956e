-- wrk script for bench.stamp_throughput --loadgen wrk: POST /api/v1/checkouts, a unique check and
-- Idempotency-Key per request. Arguments after "--": <cards file> <api key> <run id> <currency> <threads>.
-- wrk runs one Lua state per thread: setup() runs in the main state, everything else per thread; done() reads
-- the per-thread globals back through the thread objects.

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

function init(args)
   local path, key, nthreads = args[1], args[2], tonumber(args[5])
   run_id, currency = args[3], args[4]
   -- This thread owns the cards whose index is tid modulo the thread count, and cycles through them in order:
   -- a thread's concurrent requests are on consecutive cards, so they do not queue on one card's row lock.
   mine, seq, ok, bad, first_error = {}, 0, 0, 0, ""
   local i = 0
   for line in io.lines(path) do
      if i % nthreads == tid then table.insert(mine, line) end
      i = i + 1
   end
   headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}
end

function request()
   seq = seq + 1
   local tag = run_id .. "-w" .. tid .. "-" .. seq
   headers["Idempotency-Key"] = "idem-" .. tag
   local body = '{"card":"' .. mine[(seq % #mine) + 1] .. '","check":{"external_id":"' .. tag ..
      '","total":12550,"currency":"' .. currency .. '"}}'
   return wrk.format("POST", "/api/v1/checkouts", headers, body)
end

function response(status, hdrs, body)
   if status >= 200 and status < 300 then
      ok = ok + 1
   else
      bad = bad + 1
      if first_error == "" then first_error = "HTTP " .. status .. ": " .. string.sub(body, 1, 200) end
   end
end

local function json_escape(text)
   return (text:gsub("\\", "\\\\"):gsub('"', '\\"'):gsub("%c", " "))
end

function done(summary, latency, requests)
   local total_ok, total_bad, err = 0, 0, ""
   for _, thread in ipairs(threads) do
      total_ok = total_ok + thread:get("ok")
      total_bad = total_bad + thread:get("bad")
      if err == "" then err = thread:get("first_error") end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"ok":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
      '"write_errors":%d,"timeouts":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f,"first_error":"%s"}\n',
      summary.requests, summary.duration, total_ok, total_bad, e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      latency.max, latency.mean, json_escape(err)))
end
