"""A generated project's `make serve` in production mode, with the settings production requires.

What a curl against the running app sees: no server banner, the security headers, no API docs and
no metrics without their token; and SIGTERM stops every server process cleanly.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from app_server import app_env, free_port, production_mail
from generated import ANSWER_SETS, render

pytestmark = pytest.mark.slow

# Metrics on, so the test sees them closed; jobs in Redis, so nothing needs a database server.
ANSWERS = ANSWER_SETS["sqlite-redis-noci"]


def _wait_for(base_url: str, server: subprocess.Popen[bytes], log: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            log.seek(0)
            raise AssertionError(f"make serve exited at start-up:\n{log.read().decode()[-4000:]}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "make serve did not answer /healthz within 60 s"
        time.sleep(0.3)


def _wait_for_group_exit(leader: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until no process of the leader's group is left; kill what is left after `timeout` and say so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leader.poll()  # reaps `make` once it exits: a zombie still counts as a member of the group
        try:
            os.killpg(leader.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(leader.pid, signal.SIGKILL)
    return False


def test_make_serve_in_production_sends_no_banner_and_stops_cleanly(
    copie: Any, app_venv: Path, redis_url: str
) -> None:
    project = render(copie, ANSWERS)
    port = free_port()
    env = app_env(
        app_venv,
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        **production_mail(),
        REDIS_URL=redis_url,
        JOBS_QUEUE_NAME=f"serve-{uuid.uuid4().hex[:10]}",
        LOG_LEVEL="INFO",
    )
    command = ["make", "serve", f"VENV={app_venv}", f"PORT={port}", "WORKERS=2"]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for(base_url, server, log)
            health = requests.get(f"{base_url}/healthz", timeout=5)
            assert "server" not in health.headers, health.headers
            assert health.headers["strict-transport-security"].startswith("max-age=")
            assert health.headers["cache-control"] == "no-store"
            for closed in ("/docs", "/openapi.json", "/metrics"):
                assert requests.get(f"{base_url}{closed}", timeout=5).status_code == 404, closed
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # what a process manager sends to stop the service
            stopped = _wait_for_group_exit(server, timeout=30)
        assert stopped, "server processes were still running 30 s after SIGTERM"
        log.seek(0)
        output = log.read().decode()
    assert output.count("Finished server process") == 2, output[-4000:]
