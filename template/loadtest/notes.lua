-- The load-test scenario (wrk): `make loadtest`, or by hand:
--   wrk -t2 -c1000 -d30s --timeout 10s -s loadtest/notes.lua http://127.0.0.1:8000 -- data/loadtest-tokens.txt
-- The tokens file comes from `python -m <package>.seed`: one line per account, "<token> <note id> ...".
-- Every request acts as a random seeded account:
--   80% list its notes (GET /api/notes?limit=20, the first page, newest first)
--   15% read one of its notes (GET /api/notes/<id>)
--    5% write a note (POST /api/notes)
-- At the end it prints a summary and one JSON line (`{"loadtest": ...}`) for scripts to read.

local accounts = {}   -- { {auth = "Bearer ...", notes = {id, ...}}, ... }
statuses = {}         -- status code -> count, per thread (a global: done() reads it with thread:get)
local threads = {}

local LIST_SHARE, GET_SHARE = 80, 95  -- cumulative percentages; the rest creates

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] or "data/loadtest-tokens.txt"
  local file = assert(io.open(path, "r"), "cannot read " .. path .. ": run the seed first")
  for line in file:lines() do
    local token, ids = nil, {}
    for word in line:gmatch("%S+") do
      if token == nil then token = word else table.insert(ids, tonumber(word)) end
    end
    if token ~= nil then
      table.insert(accounts, { auth = "Bearer " .. token, notes = ids })
    end
  end
  file:close()
  assert(#accounts > 0, path .. " names no accounts")
  math.randomseed(os.time() * 1000 + thread_number)
end

local function headers_for(account)
  return { ["Authorization"] = account.auth, ["Content-Type"] = "application/json" }
end

function request()
  local account = accounts[math.random(#accounts)]
  local roll = math.random(100)
  if roll <= LIST_SHARE or #account.notes == 0 then
    return wrk.format("GET", "/api/notes?limit=20", headers_for(account))
  elseif roll <= GET_SHARE then
    local id = account.notes[math.random(#account.notes)]
    return wrk.format("GET", "/api/notes/" .. id, headers_for(account))
  end
  local body = '{"title": "Load test", "body": "Written by loadtest/notes.lua."}'
  return wrk.format("POST", "/api/notes", headers_for(account), body)
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
