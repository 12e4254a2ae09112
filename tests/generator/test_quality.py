"""The generator meets its own bar: lint, format, strict types and import contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "hatch_build.py"],
        ["ruff", "format", "--check", "src", "tests", "hatch_build.py"],
        ["mypy", "--strict", "src/mvpscaffold", "hatch_build.py"],
        ["lint-imports"],
    ],
    ids=["ruff", "format", "mypy", "contracts"],
)
def test_generator_passes_its_own_checks(command: list[str]) -> None:
    tool = BIN / command[0]
    result = subprocess.run(
        [str(tool), *command[1:]], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
