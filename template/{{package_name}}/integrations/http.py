"""The one way this application calls third-party HTTP APIs: `build_http_client`.

Every outbound call gets a connect/read timeout (a hung partner must not hang a request or a job) and
retries for transient failures:
- connection errors, retried by httpx's own transport (`HTTPTransport(retries=...)`);
- 429 and 5xx answers to idempotent methods, retried here with exponential backoff that honours a
  numeric `Retry-After`. POST and PATCH are never retried: repeating them could charge a card twice.

Usage, in an integration module (never in domain or services):

    with build_http_client("https://api.example.com", timeout=5.0, retries=2) as client:
        response = client.get("/v1/things", params={"page": 1})
        response.raise_for_status()
"""

import time
from collections.abc import Callable, Mapping

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUS_CODES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 30.0


class RetryOnStatusTransport(httpx.BaseTransport):
    """Wrap a transport and repeat idempotent requests answered with 429 or 5xx, with backoff."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport,
        retries: int,
        backoff_seconds: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Retry at most `retries` times, waiting backoff_seconds * 2**attempt between tries."""
        self._wrapped = wrapped
        self._retries = retries
        self._backoff_seconds = backoff_seconds
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request, trying again while the answer is transient and attempts remain."""
        attempt = 0
        while True:
            response = self._wrapped.handle_request(request)
            if (
                attempt >= self._retries
                or request.method not in IDEMPOTENT_METHODS
                or response.status_code not in RETRYABLE_STATUS_CODES
            ):
                return response
            # The body of a failed attempt is not needed; closing it frees the pooled connection.
            response.close()
            self._sleep(self._delay_before_retry(response, attempt))
            attempt += 1

    def close(self) -> None:
        """Close the wrapped transport and its connection pool."""
        self._wrapped.close()

    def _delay_before_retry(self, response: httpx.Response, attempt: int) -> float:
        """Seconds to wait: the server's Retry-After when it gives a number, else exponential backoff."""
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            return min(float(retry_after), MAX_BACKOFF_SECONDS)
        return min(self._backoff_seconds * 2.0**attempt, MAX_BACKOFF_SECONDS)


def build_http_client(
    base_url: str = "",
    timeout: float = 10.0,
    retries: int = 2,
    *,
    headers: Mapping[str, str] | None = None,
    backoff_seconds: float = 0.5,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Client:
    """Build an httpx.Client with timeouts and retries; `transport` and `sleep` are for tests."""
    inner = transport if transport is not None else httpx.HTTPTransport(retries=retries)
    return httpx.Client(
        base_url=base_url,
        # Connecting should be quick; a slow partner gets the full timeout to answer.
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers=dict(headers or {}),
        transport=RetryOnStatusTransport(inner, retries, backoff_seconds, sleep),
        follow_redirects=False,
    )
