"""Shared fixtures: one virtual environment for every generated project, and the real services."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import template_repos
from app_server import smtp_server
from generated import Renders

REPO_ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _env_key() -> str:
    """Hash of what decides the generated projects' dependencies: the same for every answer set."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml.jinja", "uv.lock.jinja"):
        digest.update((REPO_ROOT / "template" / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:16]


def _build_app_venv(venv: Path, scratch: Path) -> None:
    """Create `venv` with the packages of the template's own uv.lock, every extra included.

    These are the versions a new project installs (`make install`), so the template is tested
    against exactly what it ships. The project itself is not installed: tests import it in place.
    """
    from copier import run_copy

    from mvpscaffold.tools import uv_binary

    project = scratch / "shared-env-probe"
    run_copy(
        str(REPO_ROOT),
        str(project),
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
    )
    uv = uv_binary()
    assert uv is not None, "uv is a dependency of mvpscaffold"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)
    # Every extra: each answer set's features, dev, and browser (Playwright) so that generated
    # projects' browser tests run wherever Chromium is. --inexact keeps the venv's pip.
    sync = [uv, "sync", "--locked", "--inexact", "--no-install-project", "--all-extras", "--quiet"]
    subprocess.run(
        [*sync, "--python", str(venv / "bin" / "python")],
        cwd=project,
        env=env,
        check=True,
    )


@pytest.fixture(scope="session")
def app_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtual environment with every dependency a generated project can ask for.

    Built once per dependency set and kept in ~/.cache, guarded by a file lock so pytest-xdist
    workers share it instead of each installing the same packages.
    """
    override = os.environ.get("MVPSCAFFOLD_TEST_VENV")
    if override:
        return Path(override)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mvpscaffold-tests"
    cache.mkdir(parents=True, exist_ok=True)
    venv = cache / f"app-venv-{_env_key()}"
    with (cache / "app-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            _build_app_venv(venv, tmp_path_factory.mktemp("venv-build"))
            (venv / ".complete").touch()
    return venv


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not answering on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}; CI must provide it (.ci/run starts it).")
    pytest.skip(f"{message}; start it to run this test.")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The machine's PostgreSQL server; generated suites create and drop their own database."""
    _require_service("PostgreSQL", "127.0.0.1", 5432)
    return os.environ.get(
        "MVPSCAFFOLD_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the machine's Redis server; generated suites use their own key prefix."""
    _require_service("Redis", "127.0.0.1", 6379)
    return os.environ.get("MVPSCAFFOLD_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> Renders:
    """Projects of the real template, rendered once per answer set for the whole run."""
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist each worker's base folder sits in the run's folder, which they share.
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "renders"
    shared.mkdir(exist_ok=True)
    return Renders(shared, tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def _template_repos_built_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """make_template_repo builds each history once per worker, then copies it."""
    template_repos.built_root = tmp_path_factory.mktemp("template-repos")
    yield
    template_repos.built_root = None
    template_repos.BUILT.clear()


@pytest.fixture(scope="session")
def checkout_builds(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The folder of this checkout's release bundle, built once per worker; None for a wheel.

    mvpscaffold builds it under ~/.cache/mvpscaffold/builds, keyed by content, where a wheel
    ships one: isolated_home copies it into each new HOME instead of having every test build it.
    """
    from mvpscaffold.templates import source

    if source.source_checkout_root() is None:
        return None
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOME", str(tmp_path_factory.mktemp("builds-home")))
        return source.packaged_bundle().parent


@pytest.fixture(autouse=True)
def _no_user_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own ~/.config/mvpscaffold/defaults.yml must not change test results."""
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", os.devnull)


@pytest.fixture
def mailbox() -> Iterator[Any]:
    """An SMTP server on 127.0.0.1 at `mailbox.port`; `mailbox.recorder` keeps what it is sent."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def unique_name() -> Iterator[str]:
    """A name no other test run uses (database names, key prefixes)."""
    yield f"mvps_{uuid.uuid4().hex[:12]}"


ADMIN_SQL = """
import sys
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1], isolation_level="AUTOCOMMIT").connect() as db:
    db.execute(text(sys.argv[2]))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, unique_name: str, app_venv: Path
) -> Iterator[tuple[str, str]]:
    """(answer for `database`, URL of a real, empty database the test's project will use)."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'owner.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    python = str(app_venv / "bin" / "python")
    subprocess.run([python, "-c", ADMIN_SQL, admin, f"CREATE DATABASE {unique_name}"], check=True)
    try:
        yield "postgresql", admin.rsplit("/", 1)[0] + f"/{unique_name}"
    finally:
        drop = f"DROP DATABASE IF EXISTS {unique_name} WITH (FORCE)"
        subprocess.run([python, "-c", ADMIN_SQL, admin, drop], check=True)


@pytest.fixture(scope="session")
def stock_questions(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The real copier.yml and naming rules over a template of three files, tagged 1.0.0.

    `new --template` with it asks, names and validates as the stock template does, in a tenth of
    the time: for the tests of answers, names and presets, which need no application.
    """
    root = tmp_path_factory.mktemp("stock-questions") / "template"
    files = {
        "copier.yml": (REPO_ROOT / "copier.yml").read_text(encoding="utf-8"),
        "template/.macros/names.jinja": (REPO_ROOT / "template/.macros/names.jinja").read_text(
            encoding="utf-8"
        ),
        "template/{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers | to_nice_yaml }}",
        "template/README.md.jinja": "# {{ project_name }}\n\n{{ description }}\n",
        "template/LICENSE.jinja": "{{ license }}, {{ author_name }} <{{ author_email }}>\n",
        "template/{{package_name}}/__init__.py.jinja": '"""{{ project_name }}."""\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        [*identity, "commit", "-qm", "1.0.0"],
        ["tag", "1.0.0"],
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return str(root)
