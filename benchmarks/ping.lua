-- The ceiling's scenario: GET /ping on every connection, with the same summary as the generated
-- projects' loadtest/notes.lua (the template's loadtest/report.lua, loaded from this repository).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../template/loadtest/report.lua")

request = function()
  return wrk.format("GET", "/ping")
end
