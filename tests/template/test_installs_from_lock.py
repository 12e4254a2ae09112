"""The generated project's uv.lock: `new` commits it, and the dev install, CI and the image use it.

These talk to the package index (uv resolves and downloads), as a developer's `make lock` does.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from generated import check_env, run_make
from helpers import git, run_cli

from mvpscaffold.tools import uv_binary

# The optional dependencies (pyproject.toml's extras), by the answer that installs each.
OPTIONAL_PACKAGES = {
    "psycopg": ("database", "postgresql"),
    "redis": ("jobs", "redis"),
    "sentry-sdk": ("error_tracking", True),
    "prometheus-client": ("metrics", True),
}
LOCK_ANSWER_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "postgresql-redis-gitlab-extras": {
        "database": "postgresql",
        "jobs": "redis",
        "ci": "gitlab",
        "error_tracking": True,
        "metrics": True,
    },
}
DEV_TOOLS = {"pytest", "ruff", "mypy", "import-linter", "pip-audit", "uv"}


def _new(tmp_path: Path, answers: dict[str, Any]) -> Path:
    """`mvpscaffold new` with these answers, as a user runs it."""
    settings = [arg for key, value in answers.items() for arg in ("--set", f"{key}={value}")]
    tmp_path.mkdir(exist_ok=True)
    result = run_cli(["new", "proj", "--defaults", *settings], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "uv.lock" not in result.stderr, result.stderr  # no note: the lock was written
    return tmp_path / "proj"


def _packages(project: Path) -> dict[str, dict[str, Any]]:
    """The packages uv.lock pins, by name."""
    lock = tomllib.loads((project / "uv.lock").read_text())
    return {package["name"]: package for package in lock["package"]}


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(autouse=True)
def _identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{key}_NAME", "Test")
        monkeypatch.setenv(f"{key}_EMAIL", "test@example.com")


@pytest.mark.slow
def test_new_commits_one_hashed_lock_for_every_answer_set(tmp_path: Path, app_venv: Path) -> None:
    locks = {}
    for name, answers in LOCK_ANSWER_SETS.items():
        project = _new(tmp_path / name, answers)
        assert "uv.lock" in git(["ls-files"], project).split()  # part of the first commit
        locks[name] = _packages(project)
        result = run_make(project, "lock-check", app_venv, check_env(app_venv, tmp_path, None, None))
        assert result.returncode == 0, result.stdout + result.stderr
    packages = locks["defaults"]
    assert packages == locks["postgresql-redis-gitlab-extras"]  # the answers choose the extras
    assert {*OPTIONAL_PACKAGES, *DEV_TOOLS} <= packages.keys()
    registry = [p for p in packages.values() if "registry" in p["source"]]
    for package in registry:
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, package["name"]
        assert all(file["hash"].startswith("sha256:") for file in files), package["name"]


@pytest.mark.slow
def test_a_stale_lock_fails_the_check_ci_runs_and_the_install(
    tmp_path: Path, app_venv: Path
) -> None:
    project = _new(tmp_path, {})
    env = check_env(app_venv, tmp_path, None, None)
    pyproject = project / "pyproject.toml"
    declared = pyproject.read_text()
    raised = declared.replace('"structlog>=24.4",', '"structlog>=24.4.1",')
    assert raised != declared, "the test no longer finds the requirement it raises"
    pyproject.write_text(raised)

    stale = run_make(project, "lock-check", app_venv, env)
    assert stale.returncode != 0
    assert "needs to be updated" in stale.stderr, stale.stdout + stale.stderr
    install = subprocess.run(
        ["make", "install", f"VENV={tmp_path / 'venv'}"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert install.returncode != 0
    assert "needs to be updated" in install.stderr, install.stdout + install.stderr
    # `make check` runs the same lock check (make -n prints what each step would run).
    plan = subprocess.run(
        ["make", "-n", "check", f"VENV={app_venv}"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "uv lock --check" in plan.stdout, plan.stdout + plan.stderr

    refreshed = run_make(project, "lock", app_venv, env)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    assert run_make(project, "lock-check", app_venv, env).returncode == 0


def _path_without_uv() -> str:
    """PATH minus every folder that holds a uv: `make install` must fetch its own."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(f for f in folders if f and not (Path(f) / "uv").exists())


@pytest.mark.slow
@pytest.mark.parametrize("uv_on_path", [False, True], ids=["pip-fetches-uv", "uv-on-path"])
def test_make_install_installs_exactly_the_locked_versions(
    tmp_path: Path, uv_on_path: bool
) -> None:
    project = _new(tmp_path, {})
    path = _path_without_uv()
    if uv_on_path:
        uv = uv_binary()
        assert uv is not None
        path = f"{Path(uv).parent}{os.pathsep}{path}"
    env = {**os.environ, "PATH": path}
    env.pop("VIRTUAL_ENV", None)

    install = subprocess.run(
        ["make", "install"], cwd=project, env=env, capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip

    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert ("installing it into .venv with pip" in install.stdout) != uv_on_path
    listing = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "-c",
         "import importlib.metadata as m; print('\\n'.join("
         "f\"{d.metadata['Name']}=={d.version}\" for d in m.distributions()))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    installed = dict(line.split("==") for line in listing.stdout.split())
    locked = {
        _normalized(name): package["version"]
        for name, package in _packages(project).items()
        if "registry" in package["source"]  # the project itself is installed from its folder
    }
    mismatched = {
        name: (version, locked.get(_normalized(name)))
        for name, version in installed.items()
        if _normalized(name) != "proj" and locked.get(_normalized(name)) != version
    }
    assert not mismatched, mismatched  # (installed, locked): nothing the lock does not pin
    assert {_normalized(name) for name in installed} >= {"fastapi", "sqlalchemy", *DEV_TOOLS}
    assert not {_normalized(name) for name in installed} & OPTIONAL_PACKAGES.keys()  # none chosen


# --- The image's dependency layer -------------------------------------------------------------


def _builder_stage(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the stage named `builder`, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines() if line.strip()]
    pairs = [tuple(line.split(maxsplit=1)) for line in lines if not line.startswith("#")]
    froms = [n for n, (name, _args) in enumerate(pairs) if name.upper() == "FROM"]
    start = next(n for n in froms if pairs[n][1].endswith(" AS builder"))
    end = next(n for n in froms if n > start)
    return [(name.upper(), args) for name, args in pairs[start:end]]


def _run_step(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
        check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_the_image_installs_the_locked_versions_checked_by_hash_and_no_dev_tools(
    tmp_path: Path,
) -> None:
    """No container engine here: the builder stage's install step runs as written, in a folder
    holding only what the stage copies, with the stage's environment (the venv moved under tmp)."""
    project = _new(tmp_path, LOCK_ANSWER_SETS["postgresql-redis-gitlab-extras"])
    stage = _builder_stage((project / "Dockerfile").read_text())
    copies = [args for name, args in stage if name == "COPY"]
    assert copies == ["pyproject.toml uv.lock ./"], copies  # the lock, and no code: cached layer
    runs = [args for name, args in stage if name == "RUN"]
    install = runs[-1]
    assert install.startswith("uv sync --locked") and "--extra dev" not in install, install
    assert stage.index(("COPY", copies[0])) < stage.index(("RUN", install))
    env_pairs = [
        pair.split("=", 1) for name, args in stage if name == "ENV" for pair in shlex.split(args)
    ]
    stage_env = dict(env_pairs)
    assert stage_env["UV_PROJECT_ENVIRONMENT"] == "/opt/venv"
    uv = uv_binary()
    assert uv is not None
    build = tmp_path / "build"
    build.mkdir()
    for name in copies[0].split()[:-1]:
        shutil.copy(project / name, build / name)
    env = {
        **os.environ,
        **stage_env,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "opt-venv"),
        "PATH": f"{Path(uv).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("VIRTUAL_ENV", None)

    done = _run_step(install, build, env)

    assert done.returncode == 0, done.stderr[-3000:]
    site = next((tmp_path / "opt-venv" / "lib").glob("python3*/site-packages"))
    stems = (info.name.removesuffix(".dist-info") for info in site.glob("*.dist-info"))
    installed = {_normalized(name): version for name, version in (s.rsplit("-", 1) for s in stems)}
    packages = _packages(project)
    assert installed.get("fastapi") == packages["fastapi"]["version"], sorted(installed)
    assert installed["sqlalchemy"] == packages["sqlalchemy"]["version"]
    assert not DEV_TOOLS & installed.keys(), DEV_TOOLS & installed.keys()
    assert OPTIONAL_PACKAGES.keys() <= installed.keys()  # every feature these answers chose
    assert project.name.replace("-", "_") not in {name.replace("-", "_") for name in installed}

    # A file that does not match the lock's hash stops the build.
    lock = build / "uv.lock"
    text = lock.read_text()
    start = text.index('name = "huey"')
    end = text.index("[[package]]", start)
    forged = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text[start:end])
    lock.write_text(text[:start] + forged + text[end:])
    shutil.rmtree(tmp_path / "opt-venv")
    tampered = _run_step(install, build, env)
    assert tampered.returncode != 0
    assert "Hash mismatch" in tampered.stderr and "huey" in tampered.stderr, tampered.stderr[-2000:]
