"""`--help` of every command: snapshots, taken with a typer of the range pyproject.toml allows.

Snapshots are taken at 100 columns without colour; run
`MVPSCAFFOLD_UPDATE_SNAPSHOTS=1 pytest tests/generator/test_help.py` to retake them after a
deliberate change. pyproject.toml allows one minor series of typer, so that they hold for any typer
it lets users install.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "help"
COMMANDS = [[], ["new"], ["update"], ["check"], ["add", "resource"]]


def _help(command: list[str], home: Path) -> str:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "HOME": str(home)}
    env.pop("XDG_CONFIG_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "mvpscaffold", *command, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return "\n".join(line.rstrip() for line in done.stdout.splitlines()) + "\n"


def _typer_range() -> str:
    dependencies = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return str(next(Requirement(d) for d in dependencies["dependencies"] if d.startswith("typer")))


def test_the_installed_typer_is_one_the_snapshots_hold_for() -> None:
    allowed = Requirement(_typer_range()).specifier
    assert allowed.contains(version("typer")), (version("typer"), str(allowed))
    minors = {minor for minor in range(100) if allowed.contains(f"0.{minor}.99")}
    assert len(minors) == 1, minors  # one minor series: its patch releases keep the same help


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mvpscaffold")
def test_help_matches_its_snapshot(command: list[str], tmp_path: Path) -> None:
    text = _help(command, tmp_path)
    path = SNAPSHOTS / f"{'-'.join(command) or 'mvpscaffold'}.txt"
    header = f"{_typer_range()}\n"
    if os.environ.get("MVPSCAFFOLD_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == header + text
