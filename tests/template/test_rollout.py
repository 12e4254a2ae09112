"""Rollouts under load with no failed request, as deploy/deploy.sh does them, with no Docker daemon.

The PostgreSQL + Redis project runs as its image would (the Dockerfile's ENTRYPOINT and CMD, in
production mode), as two instances behind Caddy configured by the project's own deploy/Caddyfile,
while an open-loop client sends a fixed rate of reads and writes through Caddy. Release 0.2.0 adds
a column: its release step runs while 0.1.0 serves (0.1.0 stays ready: its database is ahead), then
the instances are replaced one at a time. Release 0.3.0 adds a column too, but its release step
never runs: its instance is never ready, so Caddy's active health check on /readyz keeps it out of
rotation while 0.2.0 serves, and the rollback puts 0.2.0 back. Not one request may fail.

A SQLite project rolls out the same way on its one machine: two instances share its database file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from app_server import (
    admin_sql,
    app_env,
    caddy_binary,
    free_port,
    production_mail,
    run_in_app_venv,
)
from generated import ANSWER_SETS, render
from test_scale_out import Process, _delete_redis_keys, image_command, start, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.services]

RATE = 40  # requests a second, sent on schedule whatever the answers do (open loop)
DRAIN_SECONDS = "3"  # longer than Caddy's health_interval (1 s) and health_timeout (2 s)
NEW_FIELD = """
    pinned: bool | None = None
"""


HEAD = (
    "from alembic.script import ScriptDirectory\n"
    "from ledgerly.data.revisions import alembic_config\n"
    "print(ScriptDirectory.from_config(alembic_config()).get_current_head())\n"
)


def release_with_a_column(
    base: Path, folder: Path, app_venv: Path, version: str, column: str, revision: str
) -> Path:
    """A copy of the project as the next release: a new version, a field of notes and its column.

    The field is optional, so the release still running can insert rows (expand, not contract).
    """
    shutil.copytree(base, folder, symlinks=True)
    env = app_env(app_venv)
    down = run_in_app_venv(folder, app_venv, env, "python", "-c", HEAD).strip()
    package = folder / "ledgerly"
    init = package / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "0.1.0"', f'__version__ = "{version}"'))
    notes = package / "domain" / "notes.py"
    notes.write_text(notes.read_text().rstrip() + "\n" + NEW_FIELD.replace("pinned", column))
    versions = package / "data" / "migrations" / "versions"
    (versions / f"{revision}_notes_{column}.py").write_text(
        f'''"""Notes get {column}.

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"


def upgrade() -> None:
    """Add notes.{column}, empty for the rows there are."""
    op.add_column("notes", sa.Column("{column}", sa.Boolean(), nullable=True))


def downgrade() -> None:
    """Drop notes.{column}."""
    op.drop_column("notes", "{column}")
'''
    )
    return folder


@dataclass
class Load:
    """An open-loop client: RATE requests a second through the proxy, half reads, half writes."""

    base_url: str
    headers: dict[str, str]
    results: list[tuple[float, str, float, str]] = field(
        default_factory=list
    )  # sent, kind, s, outcome
    _stop: threading.Event = field(default_factory=threading.Event)
    _local: threading.local = field(default_factory=threading.local)

    def _send(self, number: int, scheduled: float) -> None:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        kind = "POST" if number % 2 else "GET"
        try:
            if kind == "POST":
                body = {"title": f"note {number}", "body": "Written during the rollout."}
                response = session.post(
                    f"{self.base_url}/api/notes", json=body, headers=self.headers, timeout=30
                )
            else:
                response = session.get(
                    f"{self.base_url}/api/notes", headers=self.headers, timeout=30
                )
            outcome = (
                "ok"
                if response.status_code in {200, 201}
                else f"{response.status_code} {response.text[:120]}"
            )
        except requests.RequestException as error:
            outcome = repr(error)
        # Latency from the scheduled send, so a stall counts in full (no coordinated omission).
        self.results.append((scheduled, kind, time.monotonic() - scheduled, outcome))

    @contextlib.contextmanager
    def running(self) -> Iterator[Load]:
        """Send on schedule in the background until the block ends; wait for every answer."""
        pool = ThreadPoolExecutor(max_workers=64)

        def schedule() -> None:
            start = time.monotonic()
            number = 0
            while not self._stop.is_set():
                scheduled = start + number / RATE
                delay = scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self._send, number, scheduled)
                number += 1

        scheduler = threading.Thread(target=schedule)
        scheduler.start()
        try:
            yield self
        finally:
            self._stop.set()
            scheduler.join()
            pool.shutdown(wait=True)

    def failures(self) -> list[str]:
        """Every request that did not succeed, with what it got."""
        return [
            f"{kind}: {outcome}" for _sent, kind, _s, outcome in self.results if outcome != "ok"
        ]

    def report(self, what: str) -> str:
        """The figures: requests, rate, failures, latency percentiles."""
        latencies = sorted(seconds for _sent, _kind, seconds, _outcome in self.results)
        span = max(sent for sent, *_ in self.results) - min(sent for sent, *_ in self.results)
        quantiles = statistics.quantiles(latencies, n=100)
        kinds = Counter(kind for _sent, kind, _s, _outcome in self.results)
        return (
            f"{what}: {len(self.results)} requests ({kinds['GET']} GET, {kinds['POST']} POST)"
            f" in {span:.1f} s at {RATE}/s open loop, {len(self.failures())} failed;"
            f" latency p50 {quantiles[49] * 1000:.0f} ms, p99 {quantiles[98] * 1000:.0f} ms,"
            f" max {latencies[-1] * 1000:.0f} ms"
        )


@dataclass
class Site:
    """The app instances behind Caddy, and how to start one on a release's code."""

    project_env: dict[str, str]
    logs: Path
    ports: list[int]
    proxy_port: int
    instances: dict[int, Process] = field(default_factory=dict)

    def start_instance(self, slot: int, release: Path, commit: str) -> Process:
        """Start the release's code as the image runs it, on the port of `slot`."""
        env = {
            **self.project_env,
            "UVICORN_HOST": "127.0.0.1",
            "UVICORN_PORT": str(self.ports[slot]),
            "WEB_CONCURRENCY": "1",
            "APP_COMMIT": commit,
            "PROMETHEUS_MULTIPROC_DIR": str(self.logs / f"metrics-{slot}-{commit}"),
        }
        name = f"app-{slot + 1}-{release.name}"
        instance = start(name, image_command(release), release, env, self.logs)
        self.instances[slot] = instance
        return instance

    def ready(self, slot: int) -> bool:
        """Whether the instance in `slot` says it is ready."""
        with contextlib.suppress(requests.RequestException):
            return (
                requests.get(f"http://127.0.0.1:{self.ports[slot]}/readyz", timeout=2).status_code
                == 200
            )
        return False

    def replace(
        self, slot: int, release: Path, commit: str, *, must_be_ready: bool = True
    ) -> Process:
        """As `docker compose up` in deploy.sh: stop the instance (SIGTERM), start the new one."""
        self.instances[slot].stop()
        instance = self.start_instance(slot, release, commit)
        if must_be_ready:
            wait_for(lambda: self.ready(slot), f"{instance.name} is not ready", instance)
            time.sleep(2)  # Caddy's next health checks see it ready (health_interval 1 s)
        return instance


def caddy_config(project: Path, folder: Path, upstreams: list[int]) -> Path:
    """The project's deploy/Caddyfile: local upstreams, no admin endpoint, its storage here."""
    text = (project / "deploy" / "Caddyfile").read_text()
    for name, port in zip(["app-1:8000", "app-2:8000"], upstreams, strict=True):
        assert name in text, name
        text = text.replace(name, f"127.0.0.1:{port}")
    config = folder / "Caddyfile"
    config.write_text("{\n\tadmin off\n}\n\n" + text)
    return config


@contextlib.contextmanager
def caddy(project: Path, folder: Path, upstreams: list[int], logs: Path) -> Iterator[int]:
    """Caddy on a free port with the project's Caddyfile; yields the port."""
    port = free_port()
    folder.mkdir()
    config = caddy_config(project, folder, upstreams)
    env = {
        **os.environ,
        "SITE_ADDRESS": f"http://127.0.0.1:{port}",
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    command = [caddy_binary(), "run", "--config", str(config), "--adapter", "caddyfile"]
    proxy = start("caddy", command, folder, env, logs)
    try:
        wait_for(
            lambda: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok, "Caddy", proxy
        )
        yield port
    finally:
        proxy.stop()


def served_requests(instance: Process) -> int:
    """How many requests other than health checks the instance's access log shows."""
    return sum(
        1
        for event in instance.events()
        if event.get("event") in {"request", "slow_request"} and event.get("path") != "/readyz"
    )


def sign_up(base_url: str) -> dict[str, str]:
    """An account and its bearer token, made through the proxy."""
    credentials = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "rollout password 1"}
    assert (
        requests.post(f"{base_url}/api/accounts", json=credentials, timeout=10).status_code == 201
    )
    session = requests.post(f"{base_url}/api/sessions", json=credentials, timeout=10)
    assert session.status_code == 201, session.text
    return {"Authorization": f"Bearer {session.json()['access_token']}"}


@pytest.fixture
def database(app_venv: Path, postgres_admin_url: str) -> Iterator[str]:
    """An empty database of its own, dropped afterwards."""
    name = f"mvps_rollout_{uuid.uuid4().hex[:10]}"
    admin_sql(app_venv, postgres_admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield postgres_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin_sql(app_venv, postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(app_venv: Path, **settings: str) -> dict[str, str]:
    """The settings every instance gets: production, JSON logs, Caddy trusted, the drain."""
    return app_env(
        app_venv,
        ENVIRONMENT="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        FORWARDED_ALLOW_IPS="127.0.0.1",  # Caddy connects from there
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        SHUTDOWN_DRAIN_SECONDS=DRAIN_SECONDS,
        **production_mail(),
        **settings,
    )


@contextlib.contextmanager
def serving(release: Path, app_venv: Path, env: dict[str, str], tmp_path: Path) -> Iterator[Site]:
    """`release` released and running as two instances behind Caddy, as deploy.sh leaves a VM."""
    logs = tmp_path / "logs"
    logs.mkdir()
    run_in_app_venv(release, app_venv, env, "python", "-m", "ledgerly.cli", "release")
    site = Site(env, logs, [free_port(), free_port()], 0)
    try:
        for slot in (0, 1):
            site.start_instance(slot, release, "1" * 40)
        for slot in (0, 1):
            wait_for(lambda slot=slot: site.ready(slot), "not ready", site.instances[slot])
        with caddy(release, tmp_path / "caddy", site.ports, logs) as proxy_port:
            site.proxy_port = proxy_port
            yield site
    finally:
        for instance in site.instances.values():
            instance.stop()


def roll_out(site: Site, release: Path, app_venv: Path, env: dict[str, str]) -> str:
    """What deploy.sh does: the release step while the old release serves, then one instance at a
    time. Returns what the release step printed."""
    new_env = {**env, "APP_COMMIT": "2" * 40}
    released = run_in_app_venv(
        release, app_venv, new_env, "python", "-m", "ledgerly.cli", "release"
    )
    assert all(site.ready(slot) for slot in (0, 1))  # the old release, on a database ahead of it
    for slot in (0, 1):
        site.replace(slot, release, "2" * 40)
    return released


def test_a_migration_release_rolls_out_and_a_never_ready_one_stays_out_with_no_failed_request(
    copie: Any, app_venv: Path, tmp_path: Path, database: str, redis_url: str
) -> None:
    caddy_binary()
    v1 = render(copie, ANSWER_SETS["funded-startup"])
    v2 = release_with_a_column(v1, tmp_path / "v2", app_venv, "0.2.0", "pinned", "20261201_120000")
    v3 = release_with_a_column(
        v2, tmp_path / "v3", app_venv, "0.3.0", "archived", "20261202_120000"
    )
    queue = f"rollout{uuid.uuid4().hex[:10]}"
    env = production_env(
        app_venv,
        DATABASE_URL=database,
        REDIS_URL=redis_url,
        JOBS_QUEUE_NAME=queue,
        JOBS_IMMEDIATE="false",
    )
    try:
        with serving(v1, app_venv, env, tmp_path) as site:
            base_url = f"http://127.0.0.1:{site.proxy_port}"
            load = Load(base_url, sign_up(base_url))
            with load.running():
                time.sleep(2)
                released = roll_out(site, v2, app_venv, env)
                assert "applied 20261201_120000" in released, released
                time.sleep(2)
                health = requests.get(f"{base_url}/healthz", timeout=5).json()
                assert health == {"status": "ok", "version": "0.2.0", "commit": "2" * 40}, health
            print(load.report("0.1.0 to 0.2.0: release step, then one instance at a time"))
            assert load.failures() == []

            # 0.3.0 goes out without its release step: its instance is never ready, gets nothing.
            failed = Load(base_url, load.headers)
            with failed.running():
                time.sleep(1)
                broken = site.replace(0, v3, "3" * 40, must_be_ready=False)
                readyz = f"http://127.0.0.1:{site.ports[0]}/readyz"
                wait_for(
                    lambda: requests.get(readyz, timeout=2).status_code > 0, "0.3.0 answers", broken
                )
                time.sleep(4)  # Caddy's health checks (every 1 s) have had their chances
                assert not site.ready(0), "0.3.0 became ready with its migration not applied"
                detail = requests.get(readyz, timeout=5).json()["detail"]
                assert detail == "The database is behind this release: run the release step."
                site.replace(0, v2, "2" * 40)  # the rollback: 0.2.0 back in that slot
                time.sleep(2)
            print(failed.report("0.3.0 never ready: kept out by Caddy, rolled back to 0.2.0"))
            assert failed.failures() == []
            assert served_requests(broken) == 0, broken.output()[-2000:]
            assert requests.get(f"{base_url}/healthz", timeout=5).json()["version"] == "0.2.0"
            assert served_requests(site.instances[0]) > 0  # back in service
    finally:
        _delete_redis_keys(app_venv, redis_url, f"*{queue}*")


def test_a_sqlite_project_rolls_out_on_its_one_machine_with_no_failed_request(
    copie: Any, app_venv: Path, tmp_path: Path
) -> None:
    caddy_binary()
    v1 = render(copie, {"project_name": "Ledgerly", "package_name": "ledgerly"})
    # Production keeps the SQLite files under data/, the image's volume: every instance shares it.
    data = tmp_path / "data"
    data.mkdir()
    (v1 / "data").symlink_to(data, target_is_directory=True)
    v2 = release_with_a_column(v1, tmp_path / "v2", app_venv, "0.2.0", "pinned", "20261201_120000")
    env = production_env(
        app_venv, DATABASE_URL="sqlite:///data/app.sqlite3", JOBS_SQLITE_PATH="data/jobs.sqlite3"
    )
    with serving(v1, app_venv, env, tmp_path) as site:
        base_url = f"http://127.0.0.1:{site.proxy_port}"
        load = Load(base_url, sign_up(base_url))
        with load.running():
            time.sleep(2)
            roll_out(site, v2, app_venv, env)
            time.sleep(2)
        print(load.report("SQLite on one machine, 0.1.0 to 0.2.0 (two instances, one file)"))
        assert load.failures() == []
        assert requests.get(f"{base_url}/healthz", timeout=5).json()["version"] == "0.2.0"
