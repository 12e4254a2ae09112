"""HTTP hardening as pure ASGI middleware: security headers and a request-body size limit.

Both sit inside `RequestContextMiddleware`, so their answers carry a request id and an access-log line.
Rate limiting of log-in and sign-up lives in `web/rate_limit.py`; CORS is Starlette's middleware,
wired in `web/app.py` from CORS_ORIGINS.
"""

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import problem

# Same-origin everything: fits a JSON API and server-rendered pages whose scripts and styles are
# files under /static. Inline <script>/<style> blocks need a nonce or a hash added here.
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# The app uses none of the browser's powerful features; a page injected into it cannot either.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Answers hold an account's data, a new token, a session cookie or a CSRF token: no browser or shared
# cache may keep them. Only the pages' stylesheets and scripts, the same for everyone, may be cached.
CACHEABLE_PATH_PREFIX = "/static/"
# Two years, the preload list's minimum; only sent in production, where TLS is terminated in front of us.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def baseline_security_headers(*, hsts: bool, content_security_policy: str | None) -> dict[str, str]:
    """The headers every response carries (`SecurityHeadersMiddleware`, and the 500 answer outside it)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if hsts:
        headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if content_security_policy:
        headers["Content-Security-Policy"] = content_security_policy
    return headers


class SecurityHeadersMiddleware:
    """Adds the baseline security headers to every response that does not set them itself.

    Every answer but the static files also gets `Cache-Control: no-store`. A route that needs another
    Content-Security-Policy (the API docs) sets its own.
    """

    def __init__(
        self, app: ASGIApp, *, hsts: bool, content_security_policy: str = DEFAULT_CONTENT_SECURITY_POLICY
    ) -> None:
        self.app = app
        headers = baseline_security_headers(hsts=hsts, content_security_policy=content_security_policy)
        self.headers = {name.lower().encode(): value.encode() for name, value in headers.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; lifespan and websocket calls pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = list(self.headers.items())
        if not scope["path"].startswith(CACHEABLE_PATH_PREFIX):
            wanted.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in wanted if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestBodyTooLarge(HTTPException):
    """Raised while reading a body that outgrows the limit; the error handlers answer it as a 413 problem."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body is larger than the {max_bytes} bytes this server accepts.")


class BodySizeLimitMiddleware:
    """Refuses request bodies larger than `max_bytes` with 413, without buffering them.

    A declared Content-Length is checked before the app runs; a streamed (chunked) body is counted
    as it is read, and the read fails with `RequestBodyTooLarge` as soon as it passes the limit.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; lifespan and websocket calls pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return

        received = 0
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RequestBodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestBodyTooLarge:
            # Normally the error handlers answer it; this covers readers outside their reach.
            if response_started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = RequestBodyTooLarge(self.max_bytes)
        response = problem(Request(scope), error.status_code, error.detail, headers={"Connection": "close"})
        await response(scope, receive, send)
