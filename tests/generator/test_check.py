"""`check`: each project's template version against the newest; exit 0 / 1 / 2; text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from generated import Renders
from template_repos import V1, V2, generate, isolated_home, make_template_repo
from typer.testing import CliRunner

from mvpscaffold import __version__
from mvpscaffold.cli import app

__all__ = ["isolated_home"]


@pytest.fixture
def template_repo(tmp_path: Path, isolated_home: Path) -> Path:
    """A fork-like template with v-prefixed tags (copier reads them as PEP 440 versions)."""
    return make_template_repo(tmp_path / "tpl", {"v1.0.0": V1, "v2.0.0": V2})


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.output


def test_behind_project_exits_1_and_current_one_0(template_repo: Path, tmp_path: Path) -> None:
    old = generate(str(template_repo), tmp_path / "old", "v1.0.0")
    new = generate(str(template_repo), tmp_path / "new", "v2.0.0")

    code, output = _check(str(old), str(new))
    assert code == 1
    lines = output.splitlines()
    assert lines[0].split() == ["PROJECT", "VERSION", "NEWEST", "STATE", "PATH"]
    rows = {line.split()[-1]: line.split()[:-1] for line in lines[2:-1]}
    assert rows[str(old)] == ["Demo", "1.0.0", "2.0.0", "behind"]
    assert rows[str(new)] == ["Demo", "2.0.0", "2.0.0", "current"]
    assert lines[-1] == "2 projects: 1 current, 1 behind"
    code, output = _check(str(new))
    assert code == 0 and output.splitlines()[-1] == "1 project: 1 current"


def test_json_report(template_repo: Path, tmp_path: Path) -> None:
    old = generate(str(template_repo), tmp_path / "old", "v1.0.0")
    code, output = _check(str(old), "--json")
    assert code == 1
    assert json.loads(output) == [
        {
            "path": str(old),
            "name": "Demo",
            "template": str(template_repo),
            "current": "1.0.0",
            "newest": "2.0.0",
            "state": "behind",
            "error": None,
        }
    ]


def test_ref_compares_against_a_chosen_version(template_repo: Path, tmp_path: Path) -> None:
    old = generate(str(template_repo), tmp_path / "old", "v1.0.0")
    assert _check(str(old), "--ref", "v1.0.0")[0] == 0
    code, output = _check(str(old), "--ref", "9.0")
    assert code == 2 and "9.0 is not a version" in output


def test_template_option_reads_a_forks_tags(template_repo: Path, tmp_path: Path) -> None:
    old = generate(str(template_repo), tmp_path / "old", "v1.0.0")
    fork = make_template_repo(tmp_path / "fork", {"v1.0.0": V1, "v2.0.0": V2, "v3.1.0": V2})
    code, output = _check(str(old), "--template", str(fork), "--json")
    assert code == 1 and json.loads(output)[0]["newest"] == "3.1.0"


def test_errors_exit_2_and_other_projects_are_still_reported(
    template_repo: Path, tmp_path: Path
) -> None:
    current = generate(str(template_repo), tmp_path / "current", "v2.0.0")
    plain = tmp_path / "plain"
    plain.mkdir()
    result = CliRunner().invoke(app, ["check", str(current), str(tmp_path / "missing"), str(plain)])
    assert result.exit_code == 2
    assert "current" in result.stdout
    assert result.stdout.splitlines()[-1] == "3 projects: 1 current, 2 errors"
    errors = result.stderr.splitlines()
    assert len(errors) == 2, result.stderr
    assert errors[0].startswith(f"Error: {tmp_path / 'missing'} does not exist; give the folder")
    assert "no .copier-answers.yml" in errors[1] and "Traceback" not in result.output


def test_long_paths_are_never_wrapped(template_repo: Path, tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6, "client project")
    old = generate(str(template_repo), deep, "v1.0.0")
    code, output = _check(str(old))
    assert code == 1
    assert output.splitlines()[2].split(maxsplit=4)[4] == str(old)


def test_project_from_the_default_template_is_current(
    isolated_home: Path, renders: Renders
) -> None:
    made = renders.new("shop", "--defaults")
    assert made.exit_code == 0, made.stdout + made.stderr
    code, output = _check(str(made.folder / "shop"), "--json")
    report = json.loads(output)[0]
    assert code == 0, output
    assert report["template"] == "~/.cache/mvpscaffold/template.bundle"
    assert report["current"] == report["newest"] == __version__


def test_a_project_named_twice_is_listed_once(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(str(template_repo), tmp_path / "old", "v1.0.0")
    monkeypatch.chdir(tmp_path)

    code, output = _check("old", "./old/", str(tmp_path / "old"), "--json")

    assert code == 1
    assert [status["path"] for status in json.loads(output)] == ["old"]
