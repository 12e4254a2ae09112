"""Draining: after SIGTERM the server keeps answering for a while, with /readyz saying 503.

The proxy's health check takes the instance out of rotation while it still serves, so no request
is sent to a socket that is about to close; then the server stops as it would have at once. Only
SIGTERM (what docker, systemd and Kubernetes send) drains: Ctrl-C (SIGINT) stops at once.
"""

import asyncio
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


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
