"""The uv.lock the template ships: one lock, right for every answer set, without the package index.

template/uv.lock.jinja is written by scripts/lock_template.py. These tests fail when it no longer
matches pyproject.toml.jinja (a dependency added without running the script again), and when an
answer changes what uv locks (an optional dependency belongs in an extra, not under a condition).
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from generated import ANSWER_SETS, Renders

from mvpscaffold.tools import uv_binary

REPO_ROOT = Path(__file__).resolve().parents[2]
EVERY_FEATURE = {"database": "postgresql", "jobs": "redis", "error_tracking": True, "metrics": True}


def _render(dest: Path, answers: dict[str, Any], *files: str) -> Path:
    """Render just `files` of the template's working tree with `answers`."""
    from copier import run_copy

    run_copy(
        str(REPO_ROOT),
        dest,
        data={"project_name": "Lock Test", **answers},
        defaults=True,
        quiet=True,
        vcs_ref="HEAD",
        exclude=["*", *(f"!{name}" for name in files)],
    )
    return dest


def _locked(pyproject: Path) -> dict[str, object]:
    """What uv locks from a pyproject.toml: everything but the project's name and description."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project = {
        key: value
        for key, value in data["project"].items()
        if key not in {"name", "description", "authors"}
    }
    return {"project": project, "build": data["build-system"], "groups": data.get("dependency-groups")}


def test_the_lock_matches_pyproject_offline_for_any_name(tmp_path: Path) -> None:
    uv = uv_binary()
    assert uv is not None, "uv is a dependency of mvpscaffold"
    env = {**os.environ, "UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    env.pop("VIRTUAL_ENV", None)
    for slug in ("aardvark", "zz-top"):
        project = _render(tmp_path / slug, {"project_slug": slug}, "pyproject.toml", "uv.lock")
        lock = (project / "uv.lock").read_bytes()
        check = subprocess.run(
            [uv, "lock", "--check"], cwd=project, env=env, capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr  # no index, an empty cache: the lock alone
        assert (project / "uv.lock").read_bytes() == lock
        names = [package["name"] for package in tomllib.loads(lock.decode())["package"]]
        assert names.count(slug) == 1


def test_no_answer_changes_what_uv_locks(renders: Renders) -> None:
    """Optional dependencies are extras that every answer set declares: one lock fits them all."""
    # An answer set that turns every feature on (rendered for the other template tests too).
    every_feature = next(a for a in ANSWER_SETS.values() if EVERY_FEATURE.items() <= a.items())
    expected = _locked(renders.copy(every_feature) / "pyproject.toml")
    for answers in ANSWER_SETS.values():
        project = renders.copy(answers)
        assert _locked(project / "pyproject.toml") == expected, answers
    extras = expected["project"]["optional-dependencies"]  # type: ignore[index]
    assert {"postgresql", "redis", "error-tracking", "metrics", "dev"} <= set(extras)
