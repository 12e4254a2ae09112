"""The one-VM recipe in deploy/: valid to its tools' own validators, wired as the docs say, and
deploy.sh's order and rollback, driven with a stand-in `docker` that records what it is asked.

Backups: each database's backup is restored into an empty database and every row is found there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from app_server import admin_sql, caddy_binary
from conftest import IN_CI
from generated import Renders
from test_ci_config import GITHUB_ANSWERS, check_jsonschema, run_check_jsonschema

DEPLOY = Path("deploy")


@pytest.fixture(scope="module")
def projects(renders: Renders) -> dict[str, Path]:
    """One project per combination of database and jobs: each has its own recipe.

    The CI tests' projects (the same combinations, other answers the recipe does not read), so
    a run renders them once for both modules.
    """
    return renders.copy_all(GITHUB_ANSWERS)


def caddy_validate(caddyfile: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`caddy validate` on a Caddyfile, with the site address the compose file would give it."""
    env = {
        **os.environ,
        "SITE_ADDRESS": "app.example.com",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return subprocess.run(
        [caddy_binary(), "validate", "--config", str(caddyfile), "--adapter", "caddyfile"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_every_caddyfile_passes_caddy_validate(projects: dict[str, Path], tmp_path: Path) -> None:
    for name, project in projects.items():
        result = caddy_validate(project / DEPLOY / "Caddyfile", tmp_path)
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"


def test_caddy_validate_rejects_a_broken_caddyfile(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    caddyfile = (next(iter(projects.values())) / DEPLOY / "Caddyfile").read_text()
    broken = tmp_path / "Caddyfile"
    broken.write_text(caddyfile.replace("lb_try_duration", "lb_try_durration"))
    result = caddy_validate(broken, tmp_path)
    assert result.returncode != 0
    assert "lb_try_durration" in result.stdout + result.stderr


def test_every_production_compose_file_matches_the_schema_and_the_recipe(
    projects: dict[str, Path],
) -> None:
    files = [project / DEPLOY / "compose.yaml" for project in projects.values()]
    check_jsonschema("vendor.compose-spec", files)
    for name, project in projects.items():
        compose = yaml.safe_load((project / DEPLOY / "compose.yaml").read_text())
        services = compose["services"]
        apps = ["app-1", "app-2"]  # on SQLite too: processes of one machine share its files
        expected = {"caddy", "release", *apps, "worker", "backup"}
        expected |= {"postgres"} if "postgresql" in name else set()
        expected |= {"redis"} if "redis" in name else set()
        assert set(services) == expected, name
        assert services["release"]["command"][-2:] == ["my_app.cli", "release"]
        assert services["release"]["restart"] == "no"
        caddy_address = services["caddy"]["networks"]["default"]["ipv4_address"]
        for app in apps:
            service = services[app]
            assert service["depends_on"]["release"] == {
                "condition": "service_completed_successfully"
            }
            assert "/readyz" in " ".join(service["healthcheck"]["test"])
            assert service["restart"] == "unless-stopped"
            assert service["environment"]["FORWARDED_ALLOW_IPS"] == caddy_address
            # Secrets come from the environment (.env on the server), never from this file.
            assert service["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
            # Production refuses the console e-mail backend and an APP_URL that is not https.
            assert service["environment"]["EMAIL_BACKEND"] == "smtp"
            assert service["environment"]["SMTP_HOST"].startswith("${SMTP_HOST:?")
            assert service["environment"]["APP_URL"] == "${APP_URL:-https://${SITE_ADDRESS}}"
        assert all(
            service.get("restart") in {"unless-stopped", "no"} for service in services.values()
        )
        assert {"80:80", "443:443"} <= set(services["caddy"]["ports"])
        assert "published" not in json.dumps({k: services[k] for k in apps})  # only Caddy listens


def test_the_documented_env_file_sets_what_production_requires(
    projects: dict[str, Path],
) -> None:
    """The .env docs/deployment.md has the founder write names the SMTP server to send with."""
    required = {"SITE_ADDRESS", "SECRET_KEY", "SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD"}
    required.add("EMAIL_FROM")
    for name, project in projects.items():
        guide = (project / "docs" / "deployment.md").read_text()
        env_file = guide.split("cat > .env <<'ENV'\n", 1)[1].split("\nENV\n", 1)[0]
        variables = {
            line.split("=", 1)[0]
            for line in env_file.splitlines()
            if "=" in line and not line.startswith("#")
        }
        assert required <= variables, f"{name}: {sorted(required - variables)}"


def test_the_schema_rejects_a_broken_compose_file(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    text = (next(iter(projects.values())) / DEPLOY / "compose.yaml").read_text()
    broken = tmp_path / "compose.yaml"
    broken.write_text(text.replace("service_completed_successfully", "service_done", 1))
    assert run_check_jsonschema("vendor.compose-spec", [broken]).returncode == 1


# A stand-in for `docker`: records each call with the image it was given; `docker compose up` of an
# app instance fails (never ready) when APP_IMAGE is the one named by NEVER_READY.
FAKE_DOCKER = """#!/bin/sh
echo "${APP_IMAGE:-} | $*" >> "$DOCKER_CALLS"
case "$*" in
    "compose up --detach --no-deps --wait"*app*)
        [ "${APP_IMAGE:-}" = "${NEVER_READY:-}" ] && exit 1 ;;
esac
exit 0
"""


def run_deploy(
    folder: Path, image: str, bin_dir: Path, never_ready: str = ""
) -> tuple[int, list[str]]:
    """Run deploy.sh in `folder` with the stand-in docker; its exit code and the calls it made."""
    calls = folder / "calls.log"
    calls.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "DOCKER_CALLS": str(calls),
        "NEVER_READY": never_ready,
    }
    done = subprocess.run(
        ["sh", "deploy.sh", image], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )
    return done.returncode, calls.read_text().splitlines()


@pytest.mark.slow  # runs the project's deploy.sh
def test_deploy_sh_releases_first_then_moves_one_instance_at_a_time_and_rolls_back_one_never_ready(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    folder = tmp_path / "server"
    shutil.copytree(projects["postgresql-redis"] / DEPLOY, folder)
    wait = "compose up --detach --no-deps --wait --wait-timeout 120"

    code, calls = run_deploy(folder, "registry/app:1.0.0", bin_dir)
    assert code == 0, calls
    assert calls == [
        "registry/app:1.0.0 | compose pull --quiet release",
        "registry/app:1.0.0 | compose up --detach --wait caddy postgres redis",
        "registry/app:1.0.0 | compose run --rm release",
        f"registry/app:1.0.0 | {wait} app-1",
        f"registry/app:1.0.0 | {wait} app-2",
        "registry/app:1.0.0 | compose up --detach --no-deps worker backup",
    ]
    assert (folder / ".deployed-image").read_text() == "registry/app:1.0.0\n"

    # 1.1.0 never becomes ready: its first instance goes back to 1.0.0, the second is never touched.
    code, calls = run_deploy(
        folder, "registry/app:1.1.0", bin_dir, never_ready="registry/app:1.1.0"
    )
    assert code != 0
    assert calls[-2:] == [
        f"registry/app:1.1.0 | {wait} app-1",
        f"registry/app:1.0.0 | {wait} app-1",
    ]
    assert not any("app-2" in call or "worker" in call for call in calls)
    assert (folder / ".deployed-image").read_text() == "registry/app:1.0.0\n"


# --- Backups ------------------------------------------------------------------------------------

SEED = """
import sys
from datetime import UTC, datetime
from sqlalchemy import create_engine, text

ACCOUNT = "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (:n, :e, 'h', :t)"
NOTE = "INSERT INTO notes (owner_id, title, body, created_at, updated_at)"\
    " VALUES (:n, :e, '', :t, :t)"
now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
with create_engine(sys.argv[1]).begin() as db:
    for n in range(1, 51):
        for statement in (ACCOUNT, NOTE):
            db.execute(text(statement), {"n": n, "e": f"user{n}@example.com", "t": now})
"""
ROWS = """
import json
import sys
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1]).connect() as db:
    print(json.dumps({t: [list(r) for r in db.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                      for t in ("accounts", "notes", "releases", "alembic_version")}, default=str))
"""


def python_in(app_venv: Path, project: Path, env: dict[str, str], *args: str) -> str:
    """Run the app venv's Python in the project; fail with its output if it fails."""
    done = subprocess.run(
        [str(app_venv / "bin" / "python"), *args],
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow  # runs the project's release and backup commands
def test_a_sqlite_backup_restores_every_row(
    projects: dict[str, Path], app_venv: Path, tmp_path: Path
) -> None:
    project = projects["sqlite-embedded"]
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    env = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "JOBS_SQLITE_PATH": str(tmp_path / "j.db")}
    python_in(app_venv, project, env, "-m", "my_app.cli", "release")
    python_in(app_venv, project, env, "-c", SEED, url)
    with umask(0o022):  # the usual one: new files readable by everyone unless made private
        backup = ["-m", "my_app.cli", "backup", str(tmp_path / "backups")]
        out = python_in(app_venv, project, env, *backup)
    [copy] = (tmp_path / "backups").glob("app-*.sqlite3")
    assert str(copy) in out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # it holds every password hash
    restored = tmp_path / "restored.sqlite3"  # the restore: the copy put where the database goes
    shutil.copyfile(copy, restored)
    original = json.loads(python_in(app_venv, project, env, "-c", ROWS, url))
    assert len(original["accounts"]) == 50 and len(original["notes"]) == 50
    assert (
        json.loads(python_in(app_venv, project, env, "-c", ROWS, f"sqlite:///{restored}"))
        == original
    )


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """This process's umask (and its children's) set to `mask` meanwhile."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def postgres_tools() -> Path:
    """The folder of this machine's pg_dump and pg_restore."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_restore"))
    if not found:
        if IN_CI:
            pytest.fail("pg_dump and pg_restore are missing; .ci/run installs postgresql")
        pytest.skip("pg_dump and pg_restore are not installed")
    return found[-1].parent


@pytest.mark.slow  # runs the project's release command and deploy/backup.sh
@pytest.mark.services
def test_a_postgresql_backup_restores_into_an_empty_database_with_every_row(
    projects: dict[str, Path], app_venv: Path, tmp_path: Path, postgres_admin_url: str
) -> None:
    project = projects["postgresql-redis"]
    tools = postgres_tools()
    source, target = (f"mvps_backup_{uuid.uuid4().hex[:10]}" for _ in range(2))
    server = postgres_admin_url.rsplit("/", 1)[0]
    for name in (source, target):
        admin_sql(app_venv, postgres_admin_url, f'CREATE DATABASE "{name}"')
    try:
        url = f"{server}/{source}"
        env = {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        python_in(app_venv, project, env, "-m", "my_app.cli", "release")
        python_in(app_venv, project, env, "-c", SEED, url)
        # deploy/backup.sh as the compose file's backup service runs it: PG* variables, BACKUP_DIR.
        pg = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres", "PGDATABASE": source}
        backups = tmp_path / "backups"
        backups.mkdir()
        path = f"{tools}{os.pathsep}{os.environ['PATH']}"
        with umask(0o022):  # the usual one: new files readable by everyone unless made private
            done = subprocess.run(
                ["sh", str(project / DEPLOY / "backup.sh")],
                env={**os.environ, **pg, "BACKUP_DIR": str(backups), "PATH": path},
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        [dump] = backups.glob(f"{source}-*.dump")
        assert not list(backups.glob("*.partial"))
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600  # it holds every password hash
        # The restore docs/deployment.md gives, into an empty database.
        restore = [str(tools / "pg_restore"), "--no-owner", "--dbname", target, str(dump)]
        done = subprocess.run(
            restore, env={**os.environ, **pg}, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
        original = json.loads(python_in(app_venv, project, env, "-c", ROWS, url))
        assert len(original["accounts"]) == 50 and len(original["notes"]) == 50
        assert len(original["releases"]) == 1
        restored = json.loads(python_in(app_venv, project, env, "-c", ROWS, f"{server}/{target}"))
        assert restored == original
    finally:
        for name in (source, target):
            admin_sql(
                app_venv, postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            )
