"""Ctrl-C and SIGTERM as one KeyboardInterrupt, and no child process left running after it.

A signal sent to our process alone (a supervisor's SIGTERM, `kill -INT`) does not reach the
template's task processes; without this they would outlive us and keep writing.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any


@contextmanager
def signals_interrupt(*signums: signal.Signals, stop_children: bool = False) -> Iterator[None]:
    """Within the block, each of `signums` raises KeyboardInterrupt (children stopped first)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if stop_children:
            stop_descendants()
        raise KeyboardInterrupt

    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in signums:
            previous[signum] = signal.signal(signum, interrupt)
    except ValueError:  # not the main thread: signals stay as they were
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_descendants() -> None:
    """Send SIGTERM to every process descended from ours (Linux /proc; elsewhere a no-op)."""
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            continue


def descendants(root: int) -> list[int]:
    """The process ids below `root`, found from /proc/<pid>/stat parent links."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # Fields after the parenthesised command name: state, ppid, ...
            after_name = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(after_name[1])
        except (OSError, IndexError, ValueError):
            continue
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found
