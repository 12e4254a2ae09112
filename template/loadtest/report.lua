-- What every load-test scenario shares: count statuses per thread, then print a summary and one
-- JSON line (`{"loadtest": ...}`) for scripts to read. A scenario loads it with dofile() and adds
-- its own request() (and init()).

statuses = {}         -- status code -> count, per thread (a global: done() reads it with thread:get)
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local non_2xx, counts = 0, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + count
      if status < 200 or status > 299 then non_2xx = non_2xx + count end
    end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local status_parts = {}
  for status, count in pairs(counts) do
    table.insert(status_parts, string.format('"%d": %d', status, count))
  end
  io.write(string.format(
    "requests/s %.1f | p50 %.1f ms, p95 %.1f ms, p99 %.1f ms | errors: connect %d, read %d, write %d, " ..
    "timeout %d | non-2xx %d\n",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, e.connect, e.read, e.write, e.timeout, non_2xx))
  io.write(string.format(
    '{"loadtest": {"requests": %d, "duration_s": %.3f, "requests_per_s": %.1f, ' ..
    '"latency_ms": {"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status_4xx_5xx": %d}, ' ..
    '"non_2xx": %d, "statuses": { %s }}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.timeout, e.status, non_2xx, table.concat(status_parts, ", ")))
end
