"""`--help` of every command: snapshots, and no typer artefact (<bool>, {NAME}) on any typer.

Snapshots are taken at 100 columns without colour, with the typer named in their first line; run
`MVPSCAFFOLD_UPDATE_SNAPSHOTS=1 pytest tests/generator/test_help.py` to retake them after a
deliberate change.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "help"
COMMANDS = [[], ["new"], ["update"], ["check"]]
# Every minor series pyproject.toml allows, oldest and newest release of each that the index has.
ALLOWED_TYPERS = ["0.27.0", "0.27.3", "0.28.0", "0.29.0", "0.29.2"]


def _help(command: list[str], home: Path, pythonpath: str | None = None) -> str:
    env = {
        **os.environ,
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "HOME": str(home),
    }
    env.pop("XDG_CONFIG_HOME", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
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


def _problems(text: str) -> list[str]:
    """typer artefacts that must never reach a user."""
    found = [marker for marker in ("<bool>", "BOOLEAN", "{", "}") if marker in text]
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    return found + ([f"lowercase argument in {usage.strip()!r}"] if " dest" in usage else [])


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mvpscaffold")
def test_help_matches_its_snapshot(command: list[str], tmp_path: Path) -> None:
    text = _help(command, tmp_path)
    assert _problems(text) == []
    path = SNAPSHOTS / f"{'-'.join(command) or 'mvpscaffold'}.txt"
    header = f"typer {version('typer')}\n"
    if os.environ.get("MVPSCAFFOLD_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(header + text, encoding="utf-8")
    recorded = path.read_text(encoding="utf-8")
    if not recorded.startswith(header):
        pytest.skip(f"the snapshot was taken with {recorded.splitlines()[0]}")
    assert header + text == recorded


def _every_command() -> list[list[str]]:
    """Every command and subcommand the CLI has (commands added later included)."""
    import typer.main

    from mvpscaffold.cli import app

    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.mark.parametrize("command", _every_command(), ids=lambda c: " ".join(c) or "mvpscaffold")
def test_no_command_shows_typer_artefacts(command: list[str], tmp_path: Path) -> None:
    """A command added later needs cls=HelpCommand (cli.py) to pass this."""
    assert _problems(_help(command, tmp_path)) == []


@pytest.mark.slow
@pytest.mark.parametrize("typer_version", ALLOWED_TYPERS)
def test_help_has_no_typer_artefacts_on_every_typer_allowed(
    typer_version: str, tmp_path: Path
) -> None:
    target = tmp_path / "typer"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
    done = subprocess.run(
        [*pip, f"typer=={typer_version}"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"typer {typer_version} could not be installed: {done.stderr.strip()[-200:]}")
    for command in COMMANDS:
        text = _help(command, tmp_path, pythonpath=str(target))
        assert _problems(text) == [], (typer_version, command, text)
        assert "Usage: mvpscaffold" in text
