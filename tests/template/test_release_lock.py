"""The uv.lock the template ships: right for every answer set, without the package index.

template/uv.lock.jinja is written by scripts/lock_template.py. These tests fail when it no longer
matches pyproject.toml.jinja (a dependency added without re-running the script), when an answer
that changes the dependencies is missing from the script, or when the lock comes out in an order
uv would rewrite.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from mvpscaffold.lockfile import lock_inputs, uv_binary

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "scripts"))

from lock_template import DEPENDENCY_ANSWERS  # noqa: E402

# Slugs from the start, the middle and the end of the alphabet, so the project's own block lands
# before, between and after the packages it depends on.
SLUGS = ("aardvark", "lock-root", "my-app", "zz-top")
COMBINATIONS = [
    dict(zip(DEPENDENCY_ANSWERS, values, strict=True))
    for values in itertools.product(*DEPENDENCY_ANSWERS.values())
]


def _render(dest: Path, answers: dict[str, Any]) -> Path:
    """Render just pyproject.toml and uv.lock of the template's working tree with `answers`."""
    from copier import run_copy

    run_copy(
        str(REPO_ROOT),
        dest,
        data={"project_name": "Lock Test", **answers},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref="HEAD",
        exclude=["*", "!pyproject.toml", "!uv.lock"],
    )
    return dest


def _uv_offline(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    uv = uv_binary()
    assert uv is not None, "uv is a dependency of mvpscaffold"
    env = {
        **os.environ,
        "UV_OFFLINE": "1",
        "UV_CACHE_DIR": str(project.parent / "uv-cache"),
        "UV_NO_PROGRESS": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [uv, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_script_knows_every_answer_that_changes_the_dependencies() -> None:
    questions = yaml.safe_load((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"))
    for name, values in DEPENDENCY_ANSWERS.items():
        question = questions[name]
        expected = question.get("choices", [False, True] if question["type"] == "bool" else None)
        assert sorted(map(str, values)) == sorted(map(str, expected)), name
    template = (REPO_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    dependencies = template.split("dependencies = [", 1)[1].split("\n]", 1)[0]
    used = set(re.findall(r"{%-?\s*if\s+(\w+)", dependencies))
    assert used == set(DEPENDENCY_ANSWERS), "the answers pyproject.toml's dependencies depend on"


@pytest.mark.parametrize(
    ("answers", "slug"),
    [(answers, SLUGS[index % len(SLUGS)]) for index, answers in enumerate(COMBINATIONS)],
    ids=["-".join(map(str, answers.values())) for answers in COMBINATIONS],
)
def test_the_lock_matches_pyproject_for_every_answer_set(
    tmp_path: Path, answers: dict[str, Any], slug: str
) -> None:
    project = _render(tmp_path / "project", {**answers, "project_slug": slug})

    check = _uv_offline(project, "lock", "--check")  # no index, an empty cache: the lock alone
    assert check.returncode == 0, check.stderr

    lock = tomllib.loads((project / "uv.lock").read_text(encoding="utf-8"))
    names = [package["name"] for package in lock["package"]]
    assert names == sorted(names), "uv would reorder this lock on its next write"
    assert names.count(slug) == 1
    required = {dependency["name"] for dependency in _root(lock, slug)["dependencies"]}
    for optional in ("psycopg", "redis", "sentry-sdk", "prometheus-client"):
        assert (optional in names) == (optional in required), optional


def test_other_answers_leave_the_dependencies_alone(tmp_path: Path) -> None:
    """Only DEPENDENCY_ANSWERS may change what uv locks: the lock is not written for the rest."""
    base = _render(tmp_path / "base", {"project_slug": "same"})
    expected = lock_inputs((base / "pyproject.toml").read_text(encoding="utf-8"))
    others = {"ci": "gitlab", "license": "Proprietary", "author_name": "Somebody Else"}
    for index, (name, value) in enumerate(others.items()):
        project = _render(tmp_path / f"other-{index}", {"project_slug": "same", name: value})
        got = lock_inputs((project / "pyproject.toml").read_text(encoding="utf-8"))
        assert got == expected, name


def _root(lock: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(package for package in lock["package"] if package["name"] == slug)
