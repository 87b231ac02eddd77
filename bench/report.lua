-- wrk script: print the figures as one JSON line at the end (p95 is not in wrk's own summary).
-- Optional headers come from the environment, one a line: BENCH_HEADER="If-None-Match: W/\"...\"".
-- An optional list of paths comes from BENCH_PATHS="/a/,/b/": the requests go round them in turn.
for header in string.gmatch(os.getenv("BENCH_HEADER") or "", "[^\n]+") do
  local name, value = header:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "", "[^,]+") do
  table.insert(paths, path)
end
local turn = 0
if #paths > 0 then
  request = function()
    turn = turn % #paths + 1
    return wrk.format(nil, paths[turn])
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "errors": %d, "non2xx": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
