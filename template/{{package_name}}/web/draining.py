"""Draining: after SIGTERM the server keeps answering for a while, with /readyz saying 503.

The proxy's health check takes the instance out of rotation while it still serves, and every
answer meanwhile closes its connection, so the proxy keeps none open to reuse: no request is sent
on a connection the stopping server is about to close. Then the server stops as it would have at
once, and a proxy that finds it gone sends to another instance, or waits for the new one. Only
SIGTERM (what docker, systemd and Kubernetes send) drains: Ctrl-C (SIGINT) stops at once.
"""

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Draining:
    """Whether this process has been asked to stop and is draining."""

    def __init__(self) -> None:
        self.started = False


@contextmanager
def drain_on_sigterm(draining: Draining, seconds: float) -> Iterator[None]:
    """While inside, delay the server's own SIGTERM handling by `seconds`, marking `draining` meanwhile.

    Used around the app's lifespan, which uvicorn runs after installing its signal handlers. Does
    nothing when there is no server handler to delay (tests, or not the main thread).
    """
    server_handler = signal.getsignal(signal.SIGTERM)
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not callable(server_handler):
        yield
        return
    loop = asyncio.get_running_loop()

    def stop_later(signum: int, frame: FrameType | None) -> None:
        loop.call_later(seconds, server_handler, signum, frame)

    def start_draining(signum: int, frame: FrameType | None) -> None:
        if not draining.started:
            draining.started = True
            # A signal handler may interrupt the event loop anywhere: hand over through its thread-safe door.
            loop.call_soon_threadsafe(stop_later, signum, frame)

    signal.signal(signal.SIGTERM, start_draining)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is start_draining:
            signal.signal(signal.SIGTERM, server_handler)


class CloseConnectionsWhileDraining:
    """ASGI middleware: while the instance drains, every response says `Connection: close`."""

    def __init__(self, app: ASGIApp, draining: Draining) -> None:
        self.app = app
        self.draining = draining

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; only HTTP responses while draining are changed."""
        if scope["type"] != "http" or not self.draining.started:
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        await self.app(scope, receive, send_closing)
