"""The tools the generator runs (git, uv, make), and Ctrl-C or SIGTERM stopping them and us.

`new --install` runs the new project's `make install` and `make check`: the project is complete and
committed before, and a failure there never removes it. Standard library only at import time: the
build hook imports this module before mvpscaffold's dependencies exist.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from types import FrameType
from typing import Any

from mvpscaffold.errors import ChecksFailed, Interrupted, ToolError

# Never prompt for credentials or open an editor: we run unattended and must not hang.
# No optional locks: `git status` must not rewrite the index of a project we only look at.
_QUIET_GIT = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",
    "LC_ALL": "C",
    "GIT_OPTIONAL_LOCKS": "0",
}
# A cold lock of a project's hundred-odd packages takes seconds; this bounds a network that never
# answers (a firewall that drops packets) without cutting a slow one short.
UV_TIMEOUT_SECONDS = 180


def run_git(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, data: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` unattended (`data` on its input) and return it, whatever its exit code."""
    try:
        return _run(
            ["git", *args], cwd, input=data, env={**os.environ, **_QUIET_GIT, **(env or {})}
        )
    except FileNotFoundError:
        # Every template is read with git, so --no-git cannot do without it.
        raise ToolError("git is not installed; install git, which mvpscaffold needs.") from None


def git(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, data: str = ""
) -> str:
    """Run `git ARGS` and return its standard output; raise ToolError if it fails."""
    result = run_git(args, cwd, env, data)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise ToolError(f"git {args[0]} failed ({detail}); fix that and try again.")
    return result.stdout


def git_ok(args: list[str], cwd: Path | None = None) -> bool:
    """Run `git ARGS` and say whether it succeeded."""
    return run_git(args, cwd).returncode == 0


def git_config(key: str) -> str | None:
    """The user's git configuration value for `key`, or None when unset."""
    try:
        return run_git(["config", "--get", key]).stdout.strip() or None
    except ToolError:
        return None


def uv_binary() -> str | None:
    """The uv installed with mvpscaffold, else the one on PATH, else None."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def uv_lock(project: Path, *args: str) -> str | None:
    """Write or check `project`'s uv.lock with `uv lock ARGS`; None when done, else why not.

    uv keeps the pins pyproject.toml still allows, and leaves a lock that matches it as it is.
    """
    uv = uv_binary()
    if uv is None:
        return "uv.lock was not refreshed: uv is not installed; install it and run `make lock`."
    env = {**os.environ, "UV_NO_PROGRESS": "1"}
    env.pop("VIRTUAL_ENV", None)  # our own environment is not the project's
    command = [uv, "lock", "--quiet", "--no-python-downloads", *filter(None, args)]
    try:
        done = _run(command, project, stdin=subprocess.DEVNULL, env=env, timeout=UV_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"uv.lock was not refreshed ({error}); run `make lock` once that is fixed."
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    # uv's deepest cause says most (the network error); its error line otherwise.
    causes = [line.split(":", 1)[1] for line in lines if line.startswith(("cause:", "Caused by:"))]
    reason = (causes[-1:] or lines[:1] or ["no message"])[0].removeprefix("error:").strip(" .")
    return f"uv.lock was not refreshed (`uv lock`: {reason}); run `make lock` once that is fixed."


def _run(command: list[str], cwd: Path | None, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run `command` in `cwd`, its output captured as text, whatever its exit code."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, **options)


STEPS = {
    "install": "Installing the project (make install)",
    "check": "Running its checks (make check)",
}


def install_and_check(project: Path, *, show_progress: bool) -> None:
    """Run `make install` then `make check` in `project`; raise ChecksFailed when one fails."""
    where = f"cd {shlex.quote(str(project))}"
    if not (project / "Makefile").is_file():
        raise ChecksFailed(
            f"{project} is complete, but it has no Makefile for --install; install it by hand."
        )
    console = None
    if show_progress:  # rich costs an import: only progress output loads it
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
    for target, title in STEPS.items():
        try:
            # A supervisor's SIGTERM to us alone must also stop make and what it started.
            with signals_interrupt(signal.SIGINT, signal.SIGTERM, stop_children=True):
                if console and not console.is_terminal:  # a log gets a line, not a spinner
                    console.print(f"{title}...", markup=False)
                with console.status(f"{title}...") if console else nullcontext():
                    make = ["make", "--no-print-directory", target]
                    done = _run(make, project, stdin=subprocess.DEVNULL)
        except KeyboardInterrupt:
            raise Interrupted(
                f"Interrupted during `make {target}`; {project} is complete, only its"
                f" {'installation' if target == 'install' else 'checks'} did not finish."
            ) from None
        except FileNotFoundError:
            raise ChecksFailed(
                f"{project} is complete, but `make` is not installed; install make, then run"
                f" `{where} && make install && make check`."
            ) from None
        if done.returncode == 0:
            if console:
                console.print(f"{title}: [green]done[/]")
            continue
        with tempfile.NamedTemporaryFile(  # outside the project: its tree stays as committed
            "w", prefix=f"mvpscaffold-make-{target}-", suffix=".log", delete=False, encoding="utf-8"
        ) as log:
            log.write(done.stdout + done.stderr)
        raise ChecksFailed(
            f"{project} is complete and nothing was removed, but `make {target}` failed"
            f" (exit {done.returncode}, output in {log.name}); run `{where} && make {target}` to"
            " see why."
        )


@contextmanager
def signals_interrupt(*signums: signal.Signals, stop_children: bool = False) -> Iterator[None]:
    """Within the block, each of `signums` raises KeyboardInterrupt, after stopping our children.

    A signal sent to our process alone (a supervisor's SIGTERM) does not reach the processes we
    started (a template's task, make); without this they would outlive us and keep writing.
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        for pid in descendants(os.getpid()) if stop_children else ():
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        raise KeyboardInterrupt

    previous: dict[signal.Signals, Any] = {}
    with suppress(ValueError):  # not the main thread: signals stay as they were
        for signum in signums:
            previous[signum] = signal.signal(signum, interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def descendants(root: int) -> list[int]:
    """The process ids below `root`, from /proc/<pid>/stat parent links (none without /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):  # a process gone meanwhile
            # Fields after the parenthesised command name: state, ppid, ...
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found = [root]
    for parent in found:  # grows as it goes: children's children come after them
        found += [pid for pid, ppid in parents.items() if ppid == parent]
    return found[1:]
