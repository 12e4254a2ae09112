"""The load test: `seed.py` makes its data, `notes.lua` drives wrk, `report.lua` prints the summary."""
