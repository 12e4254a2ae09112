"""Helpers for the job tests that run a real worker process (owned by the jobs/integrations tests)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "the condition") -> None:
    """Poll `condition` every 20 ms; fail the test when it is still false after `timeout` seconds.

    The timeout only bounds a hang: a worker process needs a few seconds to start on a busy CI machine.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")
        time.sleep(0.02)


class WorkerProcess:
    """`python -m <package>.jobs.worker` as a child process, its output written to a log file."""

    def __init__(self, module: str, env: Mapping[str, str], log_path: Path) -> None:
        """Start the worker now; `env` is added to this process's environment."""
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", module],
                cwd=PROJECT_ROOT,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, graceful: bool = True, timeout: float = 15.0) -> int:
        """Stop with SIGTERM (finish running tasks) or SIGINT (at once) and return the exit code."""
        self.process.send_signal(signal.SIGTERM if graceful else signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"The worker did not stop within {timeout} s:\n{self.output()}") from None

    def kill(self) -> None:
        """SIGKILL: no clean-up, no chance to finish or re-enqueue anything."""
        self.process.kill()
        self.process.wait()

    def ensure_stopped(self) -> None:
        """Kill the process if a failed test left it running."""
        if self.process.poll() is None:
            self.kill()

    def output(self) -> str:
        """Everything the worker printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def json_logs(self) -> list[dict[str, Any]]:
        """The worker's JSON log lines (other output, such as tracebacks, is left out)."""
        lines = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines
