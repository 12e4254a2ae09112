"""Lock a project's dependencies with uv, so its first commit (or an update) carries a uv.lock.

A template may ship the lock its release was tested with: `uv lock` then only checks it against
pyproject.toml, without the package index, and re-locks (keeping its pins) where they differ.
Re-locking needs the index. When it cannot be reached (offline, a proxy, no uv), the project
stays as it is and the caller gets one sentence to pass on: `make lock` refreshes the lock later.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

LOCK_FILE = "uv.lock"
# A cold lock of the generated project's ~110 packages takes seconds; this bounds a network that
# never answers (a firewall that drops packets) without cutting a slow one short.
TIMEOUT_SECONDS = 180


# What uv.lock is computed from: a change anywhere else in pyproject.toml (ruff's settings, say)
# leaves the lock as it is.
_PROJECT_KEYS = ("name", "requires-python", "dependencies", "optional-dependencies")


def wants_lock(project: Path) -> bool:
    """Whether the project is a Python project uv can lock: a pyproject.toml with a [project]."""
    try:
        text = (project / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return lock_inputs(text) is not None


def lock_inputs(pyproject: str) -> dict[str, object] | None:
    """The parts of a pyproject.toml that uv.lock depends on; None without a valid [project]."""
    try:
        data = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    tool = data.get("tool")
    return {
        "project": {key: project.get(key) for key in _PROJECT_KEYS},
        "build-system": data.get("build-system"),
        "dependency-groups": data.get("dependency-groups"),
        "tool.uv": tool.get("uv") if isinstance(tool, dict) else None,
    }


def uv_binary() -> str | None:
    """The uv installed with mvpscaffold, else the one on PATH, else None."""
    try:
        from uv import find_uv_bin
    except ImportError:
        return shutil.which("uv")
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return shutil.which("uv")


def read_lock(project: Path) -> bytes | None:
    """The project's uv.lock as it is now, None when there is none."""
    try:
        return (project / LOCK_FILE).read_bytes()
    except FileNotFoundError:
        return None


def lock(project: Path) -> str | None:
    """Write or refresh `project`'s uv.lock with `uv lock`; None when done, else why it was not.

    Existing pins are kept where pyproject.toml still allows them, as `make lock` does.
    """
    what = (
        f"{LOCK_FILE} may not match pyproject.toml"
        if (project / LOCK_FILE).is_file()
        else f"{LOCK_FILE} was not written"
    )
    uv = uv_binary()
    if uv is None:
        return f"{what}: uv is not installed; install it and run `make lock`."
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)  # our own environment is not the project's
    try:
        done = subprocess.run(
            [uv, "lock", "--quiet", "--no-python-downloads", "--directory", str(project)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return (
            f"{what}: the package index did not answer within {TIMEOUT_SECONDS} s;"
            " run `make lock` once it does."
        )
    except OSError as error:
        return f"{what}: uv could not run ({error}); run `make lock`."
    if done.returncode != 0:
        return (
            f"{what}: `uv lock` failed ({_reason(done.stderr)});"
            " run `make lock` in the project once that is fixed."
        )
    return None


def _reason(stderr: str) -> str:
    """uv's error in a few words: its deepest cause (the network error), else its error line."""
    missing = re.search(r"\b(\S+) was not found in the cache", stderr)
    if missing and "network was disabled" in stderr:
        return f"uv is offline and {missing.group(1)} is not in its cache"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    causes = [line.split(":", 1)[1] for line in lines if line.startswith(("Caused by:", "cause:"))]
    errors = [line.removeprefix("error:") for line in lines if line.startswith("error:")]
    found = causes[-1:] or errors[:1] or lines[:1]
    return found[0].strip().rstrip(".") if found else "no message"
