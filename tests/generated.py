"""Generating projects in tests: the answer sets template tests walk, and a project's own checks."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"

# The examples users copy, plus the values they leave out: every value of every choice, pairwise.
ANSWER_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    **{path.stem: yaml.safe_load(path.read_text()) for path in sorted(EXAMPLES.glob("*.yml"))},
    "sqlite-redis-noci": {
        # Free text near the longest accepted (200 characters), with quotes and a backslash, must
        # come out as valid TOML, Python (as ruff formats it) and .env lines of any length.
        "project_name": 'Side Project: "Walkers & Sitters", Owners\' Weekend Plans, All Europe',
        "project_slug": "side-project",
        "author_name": 'Ana "Dogs" O\'Neil',
        "description": (
            'Matches "dog walkers" and pet sitters with owners who travel at the weekend, books'
            " and pays for the visits, and keeps every owner's notes (in C:\\Pets too) in one"
            " place, all across Europe."
        ),
        "database": "sqlite",
        "jobs": "redis",
        "ci": "none",
        "license": "BSD-3-Clause",
        "metrics": True,
    },
}


def render(copie: Any, answers: dict[str, Any]) -> Path:
    """Render the template with `answers` and return the project folder; fail loudly on errors."""
    # pytest-copie renders into folders named copie000, ...: a name that tests spell out instead.
    result = copie.copy(extra_answers={"project_name": "My App", **answers})
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    assert result.project_dir is not None
    return Path(result.project_dir)


@dataclass(frozen=True)
class Made:
    """One run of `mvpscaffold new`: its exit code, what it printed, and a copy of its folder."""

    exit_code: int
    stdout: str
    stderr: str
    folder: Path


class Renders:
    """The template rendered once per answer set and test run; every caller gets its own copy.

    A render takes seconds, a copy milliseconds. pytest-xdist workers share the renders through
    a folder of the run, one lock per answer set, so no two processes render the same answers.
    """

    def __init__(self, shared: Path, scratch: pytest.TempPathFactory) -> None:
        self._shared = shared
        self._scratch = scratch

    def _original(self, answers: dict[str, Any]) -> Path:
        """The one render of `answers` in this run (rendered now if no process has yet)."""
        from copier import run_copy

        # As pytest-copie renders (answers as user defaults, the template's HEAD plus its
        # uncommitted changes), and named "My App" unless the answers name it.
        defaults = {"project_name": "My App", **answers}
        key = hashlib.sha256(json.dumps(defaults, sort_keys=True).encode()).hexdigest()[:16]
        project = self._shared / key / "project"
        with (self._shared / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (self._shared / key / "complete").exists():
                shutil.rmtree(project.parent, ignore_errors=True)
                run_copy(
                    str(REPO_ROOT),
                    str(project),
                    user_defaults=defaults,
                    defaults=True,
                    unsafe=True,
                    quiet=True,
                    vcs_ref="HEAD",
                )
                (self._shared / key / "complete").touch()
        return project

    def copy_all(self, answer_sets: dict[str, dict[str, Any]]) -> dict[str, Path]:
        """A copy of the project of each answer set, by name.

        Two pytest-xdist workers that need the same sets walk them in opposite orders, so each
        renders half of them instead of waiting on the other.
        """
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
        odd = worker.isdigit() and int(worker) % 2 == 1
        order = sorted(answer_sets, reverse=odd)
        copies = {name: self.copy(answer_sets[name]) for name in order}
        return {name: copies[name] for name in answer_sets}

    def new(self, *args: str) -> Made:
        """`mvpscaffold new ARGS` run once per run in an empty folder; the caller gets a copy.

        It runs as on a fresh machine, whichever test asks first: a HOME of its own, no git
        identity and no defaults file.
        """
        from helpers import run_cli

        key = hashlib.sha256(json.dumps(["new", *args]).encode()).hexdigest()[:16]
        root = self._shared / key
        with (self._shared / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "complete").exists():
                shutil.rmtree(root, ignore_errors=True)
                (root / "home").mkdir(parents=True)
                (root / "cwd").mkdir()
                (root / "gitconfig").write_text("", encoding="utf-8")
                with pytest.MonkeyPatch.context() as env:
                    env.setenv("HOME", str(root / "home"))
                    env.setenv("GIT_CONFIG_GLOBAL", str(root / "gitconfig"))
                    env.setenv("GIT_CONFIG_NOSYSTEM", "1")
                    env.setenv("MVPSCAFFOLD_CONFIG", os.devnull)
                    for who in ("AUTHOR", "COMMITTER"):
                        for what in ("NAME", "EMAIL"):
                            env.delenv(f"GIT_{who}_{what}", raising=False)
                    for name in ("MVPSCAFFOLD_TEMPLATE", "XDG_CACHE_HOME"):
                        env.delenv(name, raising=False)
                    result = run_cli(["new", *args], cwd=root / "cwd")
                printed = [result.exit_code, result.stdout, result.stderr]
                (root / "result.json").write_text(json.dumps(printed), encoding="utf-8")
                (root / "complete").touch()
        exit_code, stdout, stderr = json.loads((root / "result.json").read_text(encoding="utf-8"))
        folder = self._scratch.mktemp("new") / "cwd"
        shutil.copytree(root / "cwd", folder, symlinks=True)
        return Made(exit_code, stdout, stderr, folder)

    def copy(self, answers: dict[str, Any]) -> Path:
        """A project rendered with `answers`, in a folder of its own for the caller to change."""
        destination = self._scratch.mktemp("project") / "project"
        shutil.copytree(self._original(answers), destination, symlinks=True)
        return destination


def lock(project: Path) -> None:
    """Check the project's uv.lock as `mvpscaffold new` does (re-locked where it does not match)."""
    from mvpscaffold.tools import uv_lock

    problem = uv_lock(project)
    assert problem is None, problem


def check_env(
    app_venv: Path, tmp_path: Path, postgres_admin_url: str | None, redis_url: str | None
) -> dict[str, str]:
    """Environment for a generated project's checks: shared venv, real services, own mypy cache."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    env = {
        **os.environ,
        "MYPY_CACHE_DIR": str(app_venv.parent / f"mypy-cache-{worker}"),
        "PATH": f"{app_venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("VIRTUAL_ENV", None)
    if postgres_admin_url:
        env["TEST_DATABASE_URL"] = postgres_admin_url
    if redis_url:
        env["TEST_REDIS_URL"] = redis_url
    return env


def run_make(
    project: Path, target: str, venv: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run one Makefile target of a generated project with the shared virtual environment."""
    return subprocess.run(
        ["make", target, f"VENV={venv}"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,  # a hang guard: six resources' `make check` takes minutes on a busy machine
        check=False,
    )
