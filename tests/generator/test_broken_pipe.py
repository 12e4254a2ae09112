"""A reader who closes the pipe (`mvpscaffold check . | head -1`) ends the output, not the work.

Each command runs as a real process whose stdout is a pipe nobody reads any more: it says nothing
about it, does all its work and exits with the code it would have given anyway.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from generated import Renders
from helpers import read_answers
from template_repos import V1, V2, generate, isolated_home, make_template_repo, run

__all__ = ["isolated_home"]


def run_unread(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run `mvpscaffold ARGS` with a stdout whose reader has already gone; (exit code, stderr)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mvpscaffold", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr


@pytest.fixture
def projects(tmp_path: Path, isolated_home: Path) -> list[Path]:
    """Two projects at 1.0.0 of a template whose newest version is 2.0.0."""
    template = make_template_repo(tmp_path / "tpl", {"1.0.0": V1, "2.0.0": V2})
    return [generate(str(template), tmp_path / name, "1.0.0") for name in ("one", "two")]


def test_check_keeps_its_exit_code_and_its_errors(projects: list[Path], tmp_path: Path) -> None:
    code, stderr = run_unread(["check", str(projects[0]), str(tmp_path / "gone")], tmp_path)

    assert code == 2, stderr  # a path could not be checked
    assert stderr.splitlines() == [
        f"Error: {tmp_path / 'gone'} does not exist; give the folder of a project made by"
        " mvpscaffold."
    ]


@pytest.mark.parametrize("args", [["--json"], []], ids=["json", "text"])
def test_update_updates_every_project(
    projects: list[Path], tmp_path: Path, args: list[str]
) -> None:
    code, stderr = run_unread(["update", *args, *map(str, projects)], tmp_path)

    assert (code, stderr) == (0, "")
    assert [read_answers(project)["_commit"] for project in projects] == ["2.0.0", "2.0.0"]


def test_add_resource_writes_the_resource(renders: Renders, tmp_path: Path) -> None:
    result = renders.new("shop", "--defaults")
    assert result.exit_code == 0, result.stdout + result.stderr
    project = tmp_path / "shop"
    run(tmp_path, "git", "clone", "--quiet", str(result.folder / "shop"), str(project))

    code, stderr = run_unread(["add", "resource", "invoices", "--field", "number:str"], project)

    assert (code, stderr) == (0, "")
    assert (project / ".copier-answers.resource-invoices.yml").is_file()


def test_new_creates_the_project_and_exits_0(tmp_path: Path, isolated_home: Path) -> None:
    template = make_template_repo(tmp_path / "tpl", {"1.0.0": V1})

    code, stderr = run_unread(["new", "made", "--defaults", "--template", str(template)], tmp_path)

    assert code == 0, stderr  # not 1, which would say --install's checks failed
    assert "Error" not in stderr
    assert read_answers(tmp_path / "made")["_commit"] == "1.0.0"
