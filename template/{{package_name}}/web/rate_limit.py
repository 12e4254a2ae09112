"""Rate limiting of the credential endpoints (log-in, sign-up): slows password guessing and sign-up spam.

The limiter is a sliding window kept in this process's memory: with `make serve` running one
process per core, a client gets up to `limit` attempts per process, and a restart forgets them.
That is enough to make online guessing slow. To share one budget across processes and machines,
implement `RateLimiter.hit` on Redis (a sorted set per key: ZREMRANGEBYSCORE the expired entries,
ZCARD, ZADD now, EXPIRE the window, in one MULTI) and put that object on `app.state.rate_limiter`.

Clients are told apart by address: behind a reverse proxy, run uvicorn with `--proxy-headers` and
`--forwarded-allow-ips` (as `make serve` does), or every client looks like the proxy.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from fastapi import HTTPException, Request

from .errors import Problem

# Past this many tracked keys, a hit first drops the keys whose windows have expired (bounded memory).
_SWEEP_ABOVE_KEYS = 10_000


class RateLimiter(Protocol):
    """Counts attempts per key; `hit` returns None when allowed, else the seconds until the next one is."""

    def hit(self, key: str) -> float | None:
        """Record an attempt for `key`, or refuse it with the wait before the next allowed one."""
        ...


class SlidingWindowRateLimiter:
    """At most `limit` attempts per key in any `window_seconds`; a limit of 0 allows everything."""

    def __init__(self, limit: int, window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._attempts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # async routes share one loop, but sync callers may use threads

    def hit(self, key: str) -> float | None:
        """Record an attempt for `key`, or refuse it with the wait before the next allowed one."""
        if self.limit == 0:
            return None
        now = self._clock()
        with self._lock:
            if len(self._attempts) > _SWEEP_ABOVE_KEYS:
                self._drop_expired(now)
            attempts = self._attempts.setdefault(key, deque())
            while attempts and attempts[0] <= now - self.window_seconds:
                attempts.popleft()
            if len(attempts) >= self.limit:
                return attempts[0] + self.window_seconds - now
            attempts.append(now)
            return None

    def _drop_expired(self, now: float) -> None:
        expired = [key for key, times in self._attempts.items() if not times or times[-1] <= now - self.window_seconds]
        for key in expired:
            del self._attempts[key]


def client_address(request: Request) -> str:
    """The client's IP address as the server saw it (after trusted proxy headers)."""
    return request.client.host if request.client else "unknown"


def rate_limited(action: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency that answers 429 with Retry-After once a client exceeds the limit for `action`."""

    async def check_rate_limit(request: Request) -> None:
        limiter: RateLimiter = request.app.state.rate_limiter
        retry_after = limiter.hit(f"{action}:{client_address(request)}")
        if retry_after is not None:
            raise HTTPException(
                status_code=429,
                detail="Too many attempts from this address; wait before trying again.",
                headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
            )

    return check_rate_limit


# Documented on the rate-limited routes, so clients know the answer exists and what to do with it.
RATE_LIMITED_RESPONSE: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many attempts from this address; wait for the Retry-After header's seconds.",
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }
}
