"""The generator meets its own bar: lint, format, strict types and import contracts."""

from __future__ import annotations

import os
import shutil
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


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("projects/check", "import questionary", "Only the prompt module talks to questionary"),
        ("templates/versions", "import copier", "Only the render (copy) and update modules call"),
        ("summary", "from mvpscaffold import cli", "No module imports the CLI"),
        ("templates/render", "from mvpscaffold.projects import add", "Layers:"),
        ("tools", "from mvpscaffold.templates import source", "Layers:"),
    ],
)
def test_a_module_that_crosses_a_boundary_breaks_the_contracts(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    """The contracts hold every module, a new one included: one stray import breaks them."""
    shutil.copytree(REPO_ROOT / "src", tmp_path / "src")
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / "src" / "mvpscaffold" / f"{module}.py").open("a") as source:
        source.write(f"\n{line}  # noqa\n")
    result = subprocess.run(
        [str(BIN / "lint-imports")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path / "src")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert [row for row in broken if row.startswith(contract)], result.stdout
