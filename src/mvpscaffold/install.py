"""`new --install`: run the new project's `make install` and `make check`, with a spinner.

The project is complete and committed before this runs; a failure here never removes it, and the
message says so.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import tempfile
from pathlib import Path

from mvpscaffold.errors import ChecksFailed, Interrupted
from mvpscaffold.tools import signals_interrupt

STEPS = (
    ("install", "Installing the project (make install)"),
    ("check", "Running its checks (make check)"),
)


def install_and_check(project: Path, *, show_progress: bool) -> None:
    """Run `make install` then `make check` in `project`; raise ChecksFailed when one fails."""
    where = f"cd {shlex.quote(str(project))}"
    if not (project / "Makefile").is_file():
        raise ChecksFailed(
            f"{project} is complete, but it has no Makefile for --install; install it by hand."
        )
    for target, title in STEPS:
        try:
            # A supervisor's SIGTERM to us alone must also stop make and what it started.
            with signals_interrupt(signal.SIGINT, signal.SIGTERM, stop_children=True):
                code, output = _run_make(project, target, title, show_progress)
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
        if code != 0:
            log = _keep_log(target, output)
            raise ChecksFailed(
                f"{project} is complete and nothing was removed, but `make {target}` failed"
                f" (exit {code}, output in {log}); run `{where} && make {target}` to see why."
            )


def _run_make(project: Path, target: str, title: str, show_progress: bool) -> tuple[int, str]:
    command = ["make", "--no-print-directory", target]
    if not show_progress:
        done = subprocess.run(
            command, cwd=project, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        return done.returncode, done.stdout + done.stderr
    from rich.console import Console

    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:  # no spinner in a log: one line per step instead
        console.print(f"{title}...", markup=False)
    with console.status(f"{title}..."):
        done = subprocess.run(
            command, cwd=project, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
    if done.returncode == 0:
        console.print(f"{title}: [green]done[/]")
    return done.returncode, done.stdout + done.stderr


def _keep_log(target: str, output: str) -> str:
    """Write make's output to a file outside the project (its tree stays as committed)."""
    with tempfile.NamedTemporaryFile(
        "w", prefix=f"mvpscaffold-make-{target}-", suffix=".log", delete=False, encoding="utf-8"
    ) as log:
        log.write(output)
    return log.name
