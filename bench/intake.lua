-- wrk script: POST /api/v1/messages with the key from OUTPOST_KEY; counts 201 answers. The text
-- body is about OUTPOST_BENCH_SIZE bytes (default 1,120) in lines of 72 characters.
local key = os.getenv("OUTPOST_KEY")
local size = tonumber(os.getenv("OUTPOST_BENCH_SIZE") or "1120")
-- 72 characters and a JSON-escaped line feed (\n: two bytes here, CRLF in the message).
local line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\\n"
local text = string.rep(line, math.max(1, math.floor(size / 74)))
local counter = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"

request = function()
  counter = counter + 1
  local body = string.format(
    '{"from":"bench@example.com","to":["r%d@example.org"],"subject":"bench %d",' ..
    '"text":"%s"}', counter, counter, text)
  return wrk.format(nil, nil, nil, body)
end

local created = 0
response = function(status)
  if status == 201 then created = created + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d errors (non-2xx %d), p50 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
