"""Run git as a subprocess, turning a missing git or a failure into one sentence."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from mvpscaffold.errors import ToolError

# Never prompt for credentials or open an editor: we run unattended and must not hang.
# No optional locks: `git status` must not rewrite the index of a project we only look at.
_QUIET_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
    "GIT_OPTIONAL_LOCKS": "0",
}


def run_git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` unattended and return the finished process, whatever its exit code."""
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, **_QUIET_ENV},
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise ToolError(
            "git is not installed; install git (or pass --no-git to skip it)."
        ) from None


def git_bytes(args: list[str], cwd: Path | None = None, data: bytes | None = None) -> bytes:
    """Run `git ARGS` on bytes (blobs, fast-import), return its output; ToolError if it fails."""
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=data,
            capture_output=True,
            env={**os.environ, **_QUIET_ENV},
            check=False,
        )
    except FileNotFoundError:
        raise ToolError("git is not installed; install git and try again.") from None
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines() or ["no message"]
        raise ToolError(f"git {args[0]} failed ({lines[-1]}); fix that and try again.")
    return result.stdout


def git(args: list[str], cwd: Path | None = None) -> str:
    """Run `git ARGS` and return its standard output; raise ToolError if it fails."""
    result = run_git(args, cwd)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ToolError(f"git {args[0]} failed ({detail}); fix that and try again.")
    return result.stdout


def git_output(args: list[str], cwd: Path | None = None) -> tuple[bool, str]:
    """Run `git ARGS`; return (succeeded, standard output)."""
    result = run_git(args, cwd)
    return result.returncode == 0, result.stdout


def git_ok(args: list[str], cwd: Path | None = None) -> bool:
    """Run `git ARGS` and say whether it succeeded."""
    return run_git(args, cwd).returncode == 0


def git_config(key: str) -> str | None:
    """The user's git configuration value for `key`, or None when unset."""
    try:
        value = run_git(["config", "--get", key], None).stdout.strip()
    except ToolError:
        return None
    return value or None
