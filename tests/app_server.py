"""Run a generated project's web app for real: uvicorn in a subprocess, with the shared app venv.

Also a private PostgreSQL cluster (initdb + pg_ctl on a free port) that a test may stop and start,
so database outages are tested without touching the machine's shared server.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def caddy_binary() -> str:
    """Debian's caddy, or a skip (a failure in CI, whose .ci/run installs it)."""
    found = shutil.which("caddy")
    if found is None:
        message = "caddy is not installed (apt-get install caddy)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; .ci/run installs it")
        pytest.skip(message)
    return found


def app_env(app_venv: Path, **settings: str) -> dict[str, str]:
    """Environment of a generated app's process: the shared venv first on PATH, these settings."""
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = f"{app_venv / 'bin'}{os.pathsep}{env['PATH']}"
    env.update(
        {
            "ENVIRONMENT": "development",
            "LOG_LEVEL": "WARNING",
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_COST": "1024",
            "JOBS_IMMEDIATE": "true",
        }
    )
    env.update(settings)
    return env


def production_mail(smtp_port: int | None = None) -> dict[str, str]:
    """The e-mail settings production requires, and the https:// APP_URL its links start with.

    The SMTP server is 127.0.0.1 at `smtp_port` (a `smtp_server`), by default a port nobody listens
    on: a test that sends no e-mail needs no server; one that does fails to send, and prints none.
    """
    return {
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port or free_port()),
        "SMTP_USE_TLS": "false",
        "APP_URL": "https://app.example.com",
    }


@contextlib.contextmanager
def smtp_server() -> Iterator[Any]:
    """A running SMTP server: the one generated projects test with (tests/integration/).

    Its `port` goes to `production_mail`; `recorder.recipients` lists each message's recipients.
    """
    path = Path(__file__).parents[1] / "template" / "tests" / "integration" / "email_support.py"
    name = f"email_support_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        with module.LocalSmtpServer() as server:
            yield server
    finally:
        del sys.modules[name]


def run_in_app_venv(project: Path, app_venv: Path, env: dict[str, str], *args: str) -> str:
    """Run a command of the app venv in the project folder; fail with its output if it fails."""
    done = subprocess.run(
        [str(app_venv / "bin" / args[0]), *args[1:]],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (
        f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def admin_sql(app_venv: Path, admin_url: str, statement: str) -> None:
    """Run one statement in autocommit mode with the app venv's driver (ours has none)."""
    script = (
        "import sys, sqlalchemy\n"
        "engine = sqlalchemy.create_engine(sys.argv[1], isolation_level='AUTOCOMMIT')\n"
        "with engine.connect() as c: c.execute(sqlalchemy.text(sys.argv[2]))\n"
    )
    subprocess.run(
        [str(app_venv / "bin" / "python"), "-c", script, admin_url, statement],
        check=True,
        timeout=60,
    )


@contextlib.contextmanager
def serve(
    project: Path, package: str, app_venv: Path, env: dict[str, str], output: Path | None = None
) -> Iterator[str]:
    """Start `uvicorn <package>.web.app:create_app --factory`, yield its base URL, then stop it.

    The app's output (its log, the e-mails the console adapter prints) goes to `output` when given.
    """
    port = free_port()
    log = output.open("w+b") if output else tempfile.TemporaryFile()  # noqa: SIM115 - closed below
    command = [str(app_venv / "bin" / "uvicorn"), f"{package}.web.app:create_app", "--factory"]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise AssertionError(f"the app exited at start-up:\n{log.read().decode()[-4000:]}")
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "the app did not answer /healthz within 30 s"
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def sign_up_and_log_in(
    base_url: str, email: str, password: str = "fuzzing password 1"
) -> dict[str, str]:
    """Create an account over HTTP and return headers that authenticate as it."""
    credentials = {"email": email, "password": password}
    created = requests.post(f"{base_url}/api/accounts", json=credentials, timeout=10)
    assert created.status_code == 201, created.text
    session = requests.post(f"{base_url}/api/sessions", json=credentials, timeout=10)
    assert session.status_code == 201, session.text
    return {"Authorization": f"Bearer {session.json()['access_token']}"}


class PrivatePostgres:
    """A throw-away PostgreSQL cluster owned by the `postgres` system user, on a free port."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not binaries:
            raise AssertionError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(binaries[-1]).parent
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user must be able to reach the folder.
        self.root = Path(tempfile.mkdtemp(prefix="mvps-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    def init(self) -> None:
        """Create the cluster (trust authentication, listening on 127.0.0.1 only)."""
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        """Stop the server now, closing every connection (a crash, as far as clients can tell)."""
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
