"""The generated Dockerfile builds; its image migrates, serves, runs jobs and reports its health.

The image is built with buildah on a stand-in for the official python:X-slim base
(tests/container_image.py), with the build arguments CI gives it, and run as its Dockerfile's
header says a deploy runs it: the release step, then the server (ENTRYPOINT and CMD), then the
worker. Against SQLite (the defaults) and against this machine's PostgreSQL and Redis (the
funded-startup answers). Its OCI labels and the release it reports are read back.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from app_server import free_port, production_mail, sign_up_and_log_in
from conftest import IN_CI
from container_image import (
    Buildah,
    build_image,
    healthcheck_command,
    in_container,
    processes_under,
    running,
    stand_in_base_image,
    user_ids,
)
from generated import ANSWER_SETS, lock, render

pytestmark = pytest.mark.slow

IMAGE_ANSWER_SETS = {name: ANSWER_SETS[name] for name in ("defaults", "funded-startup")}
APP_UID = 10001  # the Dockerfile's `app` user
# What CI passes (.github/workflows/ci.yml, .gitlab-ci.yml).
BUILD = {
    "APP_VERSION": "0.1.0",
    "GIT_COMMIT": "3f9c2a1b7d4e5f60718293a4b5c6d7e8f9a0b1c2",
    "CREATED": "2026-12-06T18:00:00Z",
    "SOURCE": "https://github.com/example/my-app",
}

# Run with the image's own Python: it has the database and Redis drivers, this test suite has not.
ADMIN_SQL = """
import sys
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1], isolation_level="AUTOCOMMIT").connect() as db:
    db.execute(text(sys.argv[2]))
"""
DELETE_REDIS_KEYS = """
import sys
import redis

with redis.Redis.from_url(sys.argv[1]) as client:
    for key in client.scan_iter(sys.argv[2]):
        client.delete(key)
"""


@pytest.fixture(scope="session")
def buildah() -> Buildah:
    """buildah with the suite's own storage, or a skip (a failure in CI) naming what is missing."""
    missing = [
        f"{tool} is not installed: apt-get install {tool}"
        for tool in ("buildah", "debootstrap")
        if shutil.which(tool) is None
    ]
    if os.geteuid() != 0:
        missing.append("debootstrap and buildah's chroot isolation need root")
    if missing:
        reason = "; ".join(missing)
        if IN_CI:
            pytest.fail(f"{reason}; .ci/run must provide it.")
        pytest.skip(reason)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mvpscaffold-tests"
    return Buildah(cache / "containers")


@pytest.fixture(scope="session")
def base_image(buildah: Buildah) -> str:
    """The stand-in for python:X-slim, made with debootstrap on first use."""
    return stand_in_base_image(buildah)


@contextlib.contextmanager
def built_container(
    buildah: Buildah, project: Path, base_image: str, name: str
) -> Iterator[tuple[str, str]]:
    """Build `project`'s image and make a working container of it; yield both, then remove them."""
    image = f"localhost/{name}:test"
    build_image(buildah, project, base_image, image, BUILD)
    try:
        container = buildah("from", f"--name={name}", image).strip()
        try:
            yield image, container
        finally:
            buildah("rm", container)
    finally:
        buildah("rmi", "--force", image)


def run_in(buildah: Buildah, container: str, env: dict[str, str], *command: str) -> str:
    """Run `command` in `container` (as the image's user); fail with its output if it fails."""
    done = subprocess.run(
        [*buildah.run_args(container, env), *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def wait_until(ready: Any, what: str, timeout: float = 60) -> None:
    """Poll `ready()` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        time.sleep(0.5)


def answers_healthz(base_url: str) -> bool:
    """Whether the app at `base_url` answers /healthz with 200 right now."""
    with contextlib.suppress(requests.ConnectionError):
        return requests.get(f"{base_url}/healthz", timeout=2).status_code == 200
    return False


@pytest.mark.parametrize("answers", IMAGE_ANSWER_SETS.values(), ids=IMAGE_ANSWER_SETS.keys())
def test_image_migrates_serves_and_runs_jobs_as_non_root_with_a_working_healthcheck(
    copie: Any,
    answers: dict[str, Any],
    buildah: Buildah,
    base_image: str,
    unique_name: str,
    mailbox: Any,
    request: pytest.FixtureRequest,
) -> None:
    project = render(copie, answers)
    lock(project)  # the image installs from uv.lock, which `mvpscaffold new` writes
    package = str(answers.get("package_name", "my_app"))
    env = {"SECRET_KEY": secrets.token_urlsafe(48), **production_mail(mailbox.port)}
    admin_url = redis_url = None
    if answers.get("database") == "postgresql":
        admin_url = request.getfixturevalue("postgres_admin_url")
        env["DATABASE_URL"] = f"{admin_url.rsplit('/', 1)[0]}/{unique_name}"
    if answers.get("jobs") == "redis":
        redis_url = request.getfixturevalue("redis_url")
        # huey keeps only letters and digits of the queue name in its own keys.
        env |= {"REDIS_URL": redis_url, "JOBS_QUEUE_NAME": unique_name.replace("_", "")}

    with built_container(buildah, project, base_image, unique_name.replace("_", "-")) as (
        image,
        container,
    ):
        config = buildah.image_config(image)
        labels = config["Labels"]
        assert {key: labels[f"org.opencontainers.image.{key}"] for key in
                ("version", "revision", "created", "source")} == {
            "version": BUILD["APP_VERSION"], "revision": BUILD["GIT_COMMIT"],
            "created": BUILD["CREATED"], "source": BUILD["SOURCE"],
        }  # fmt: skip
        assert f"APP_COMMIT={BUILD['GIT_COMMIT']}" in config["Env"]
        # A user given by number, which Kubernetes' runAsNonRoot can check without /etc/passwd.
        assert config["User"] == f"{APP_UID}:{APP_UID}", config["User"]
        entrypoint = [*config["Entrypoint"]]
        healthcheck = healthcheck_command(config)
        if admin_url:
            run_in(buildah, container, {}, "python", "-c", ADMIN_SQL, admin_url,
                   f'CREATE DATABASE "{unique_name}"')  # fmt: skip
        try:
            # The release step, as the Dockerfile's header gives it; then the releases it recorded.
            release = [*entrypoint, "python", "-m", f"{package}.cli"]
            migrated = run_in(buildah, container, env, *release, "release")
            assert f"Released 0.1.0+{BUILD['GIT_COMMIT'][:12]}: applied 0001" in migrated, migrated
            assert "(head)" in run_in(buildah, container, env, *entrypoint, "alembic", "current")
            listed = run_in(buildah, container, env, *release, "releases")
            assert f"  0.1.0  {BUILD['GIT_COMMIT'][:12]}  migrations: 0001" in listed, listed

            port = str(free_port())
            serve = [*buildah.run_args(container, env | {"UVICORN_PORT": port}), *entrypoint]
            with running([*serve, *config["Cmd"]]) as server:
                base_url = f"http://127.0.0.1:{port}"
                wait_until(
                    lambda: answers_healthz(base_url) or server.process.poll() is not None,
                    "the container answers /healthz",
                )
                assert server.process.poll() is None, f"the server exited:\n{server.output()}"
                assert requests.get(f"{base_url}/readyz", timeout=5).status_code == 200
                health = requests.get(f"{base_url}/healthz", timeout=5).json()
                assert health["commit"] == BUILD["GIT_COMMIT"], health

                inside = [pid for pid in processes_under(server.process.pid) if in_container(pid)]
                # uvicorn's supervisor and its WEB_CONCURRENCY=2 workers, none of them root.
                assert len(inside) >= 3, server.output()
                assert all(user_ids(pid) == ({APP_UID}, {APP_UID}) for pid in inside)

                probe = buildah.run_args(container, {"UVICORN_PORT": port})
                assert subprocess.run([*probe, *healthcheck], timeout=60).returncode == 0

                # Sign-up enqueues the welcome e-mail; the image's worker sends it over SMTP.
                email = f"{unique_name}@example.com"
                sign_up_and_log_in(base_url, email)
                worker = [*entrypoint, "python", "-m", f"{package}.jobs.worker"]
                with running([*buildah.run_args(container, env), *worker]):
                    wait_until(
                        lambda: [email] in mailbox.recorder.recipients, "the worker sends mail"
                    )
            unhealthy = subprocess.run([*probe, *healthcheck], capture_output=True, timeout=60)
            assert unhealthy.returncode != 0, "the healthcheck passes with the server stopped"
        finally:
            if admin_url:
                run_in(buildah, container, {}, "python", "-c", ADMIN_SQL, admin_url,
                       f'DROP DATABASE IF EXISTS "{unique_name}" WITH (FORCE)')  # fmt: skip
            if redis_url:
                queue = env["JOBS_QUEUE_NAME"]
                run_in(buildah, container, {}, "python", "-c", DELETE_REDIS_KEYS, redis_url,
                       f"*{queue}*")  # fmt: skip
