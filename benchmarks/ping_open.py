"""The open-loop ceiling: GET /ping on the generated project's timetable (loadtest/open_loop.py).

    PYTHONPATH=<generated project> locust -f benchmarks/ping_open.py --headless --users 1 ...

run.py sets PYTHONPATH, so /ping is driven by exactly the code that drives the notes mix.
"""

from loadtest.open_loop import OpenLoopUser, Request

PING = Request("ping", "GET", "/ping", {})


class Ping(OpenLoopUser):
    """GET /ping at the set rate."""

    def next_request(self) -> Request:
        """Always /ping."""
        return PING
