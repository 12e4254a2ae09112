"""The load tests: `seed.py` makes their data, `open_loop.py` drives locust, `notes.lua` drives wrk."""
