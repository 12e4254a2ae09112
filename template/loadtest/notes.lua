-- The load-test scenario (wrk): `make loadtest`, or by hand:
--   wrk -t2 -c1000 -d30s --timeout 10s -s loadtest/notes.lua http://127.0.0.1:8000 -- data/loadtest-tokens.txt
-- The tokens file comes from `python -m loadtest.seed`: one line per account, "<token> <note id> ...".
-- Every request acts as a random seeded account:
--   80% list its notes (GET /api/notes?limit=20, the first page, newest first)
--   15% read one of its notes (GET /api/notes/<id>)
--    5% write a note (POST /api/notes)
-- At the end it prints a summary and one JSON line (`{"loadtest": ...}`) for scripts to read.

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "report.lua")

local accounts = {}   -- { {auth = "Bearer ...", notes = {id, ...}}, ... }

local LIST_SHARE, GET_SHARE = 80, 95  -- cumulative percentages; the rest creates

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
