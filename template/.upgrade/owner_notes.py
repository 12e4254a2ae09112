"""What an upgrade step tells the owner: each change it made, and each one it leaves to them.

The steps share this module (copier runs them as scripts, so their folder is on `sys.path`).
`mvpscaffold update` names a file in MVPSCAFFOLD_UPGRADE_NOTES and shows its lines in its one
summary; under plain `copier update` they are printed. A step never parses a file that holds
conflict markers or code Python cannot read: it names the file and says what to do by hand.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

CONFLICT = re.compile(r"^(<<<<<<<|=======$|>>>>>>>)", re.MULTILINE)


def done(path: Path | str, what: str) -> None:
    """Report a change the step made in `path`."""
    _say("done", path, what)


def by_hand(path: Path | str, what: str) -> None:
    """Report what the owner must do in `path`: the update then ends with exit code 1."""
    _say("by hand", path, what)


def readable(path: Path, text: str) -> ast.Module | None:
    """The module `text` holds, or None when it holds conflict markers or does not parse."""
    if CONFLICT.search(text):
        return None
    try:
        return ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        return None


def run(main: Callable[[], int]) -> None:
    """Run a step: a failure is one line on stderr and exit 1, never a traceback.

    The update then stops and puts the project back at its last commit.
    """
    try:
        code = main()
    except Exception as error:  # noqa: BLE001 - any failure: one line, and the update is undone
        print(f"{Path(sys.argv[0]).name} failed ({type(error).__name__}: {error})", file=sys.stderr)
        code = 1
    sys.exit(code)


def _say(kind: str, path: Path | str, what: str) -> None:
    target = os.environ.get("MVPSCAFFOLD_UPGRADE_NOTES")
    if not target:
        print(f"{'BY HAND: ' if kind == 'by hand' else ''}{path}: {what}")
        return
    with open(target, "a", encoding="utf-8") as notes:
        notes.write(json.dumps({"kind": kind, "path": str(path), "what": what}) + "\n")
