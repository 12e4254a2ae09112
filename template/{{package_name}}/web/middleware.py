"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id and the access log, HEAD answered as GET."""

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..observability.logging import get_logger
from ..observability.request_id import bind_request_id, choose_request_id

_REQUEST_ID_HEADER = b"x-request-id"

logger = get_logger("web.access")


class RequestContextMiddleware:
    """Binds a request id for the logs, returns it as `X-Request-ID`, and writes one access-log line.

    Requests slower than `slow_request_ms` are logged as warnings instead of info.
    """

    def __init__(self, app: ASGIApp, slow_request_ms: float) -> None:
        self.app = app
        self.slow_request_ms = slow_request_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; lifespan and websocket calls pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((v for k, v in scope["headers"] if k == _REQUEST_ID_HEADER), None)
        request_id = choose_request_id(incoming.decode("latin-1") if incoming else None)
        # The client's address (the proxy's X-Forwarded-For already applied) on every line of the request.
        bind_request_id(request_id, client=scope["client"][0] if scope.get("client") else None)
        header = (_REQUEST_ID_HEADER, request_id.encode("latin-1"))
        status = 500  # what the client gets if the app raises before answering

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            log = logger.warning if duration_ms >= self.slow_request_ms else logger.info
            log(
                "slow_request" if duration_ms >= self.slow_request_ms else "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=duration_ms,
            )


class HeadAsGetMiddleware:
    """Answers HEAD like GET, without the body: uptime monitors and link checkers ask with HEAD.

    FastAPI's routes take only the methods they name (starlette's add HEAD to GET, FastAPI's do not),
    so every GET route would answer HEAD with 405. The app inside sees a GET; the access log outside
    still says HEAD. The headers are the GET's, Content-Length included, as HTTP asks.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; anything but a HEAD request passes straight through."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # A copy: the server keeps its own scope, which still says HEAD.
        await self.app({**scope, "method": "GET"}, receive, send_without_body)
