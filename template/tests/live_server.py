"""A real uvicorn server in a thread, for tests that need a socket rather than the TestClient."""

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


@contextmanager
def serve(app: FastAPI, start_timeout: float = 10.0) -> Iterator[str]:
    """Serve `app` on a free local port and yield its URL; on exit, stop the server and wait for it.

    `log_config=None` keeps the logging the app configured (uvicorn's own would replace it), so a
    test sees the lines production writes.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            assert thread.is_alive(), "the test server stopped while starting"
            assert time.monotonic() < deadline, f"the test server did not start within {start_timeout} s"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
