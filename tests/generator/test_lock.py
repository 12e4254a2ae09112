"""uv.lock: `new` commits one, `update` refreshes it when the dependencies change, offline says so.

The tiny templates here have no dependencies, or only one, so that uv can lock them without the
package index (UV_OFFLINE); a dependency that is in no cache stands for an index out of reach.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import TINY_QUESTIONS, git, make_release, run_cli
from template_repos import ANSWERS_TEMPLATE, isolated_home, make_template_repo, run
from typer.testing import Result

from mvpscaffold.projects.update import update_project
from mvpscaffold.reports import render_summary
from mvpscaffold.tools import uv_binary

__all__ = ["isolated_home"]

PYPROJECT = (
    '[project]\nname = "{{ project_slug }}"\nversion = "0.1.0"\n'
    'requires-python = "{{ python_floor }}"\ndependencies = [{{ dependencies }}]\n\n'
    "[tool.ruff]\nline-length = {{ line_length }}\n"
)


def _template_files(
    requires: str = ">=3.11", dependencies: str = "", line_length: int = 100
) -> dict[str, str]:
    """A one-file Python project whose pyproject.toml says what uv locks."""
    text = (
        PYPROJECT.replace("{{ python_floor }}", requires)
        .replace("{{ dependencies }}", dependencies)
        .replace("{{ line_length }}", str(line_length))
    )
    return {
        "copier.yml": ("_subdirectory: template\nproject_slug:\n  type: str\n  default: demo\n"),
        "template/{{_copier_conf.answers_file}}.jinja": ANSWERS_TEMPLATE,
        "template/pyproject.toml.jinja": text,
        "template/demo.py": "VALUE = 1\n",
    }


@pytest.fixture(autouse=True)
def _offline_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """uv reads only its (empty) cache: what locks here locks without the package index."""
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{key}_NAME", "Test")
        monkeypatch.setenv(f"{key}_EMAIL", "test@example.com")


def _uv(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    uv = uv_binary()
    assert uv is not None, "uv is a dependency of mvpscaffold"
    return subprocess.run(
        [uv, *args], cwd=project, capture_output=True, text=True, timeout=120, check=False
    )


def _tiny_release(root: Path, pyproject: str) -> Path:
    files = {
        "README.md.jinja": "# {{ project_name }}\n",
        "{{_copier_conf.answers_file}}.jinja": ANSWERS_TEMPLATE,
        "pyproject.toml.jinja": pyproject,
    }
    return make_release(root, files=files, questions=TINY_QUESTIONS)


def test_new_commits_a_lock_that_matches_the_project(tmp_path: Path) -> None:
    template = _tiny_release(
        tmp_path / "tpl",
        '[project]\nname = "{{ project_slug }}"\nversion = "0.1.0"\ndependencies = []\n',
    )
    result = run_cli(["new", "o", "--template", str(template), "--defaults"], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    project = tmp_path / "o"
    assert "uv.lock" in git(["ls-files"], project).split()  # in the first commit
    assert git(["status", "--porcelain"], project) == ""
    assert 'name = "o"' in (project / "uv.lock").read_text()
    check = _uv(project, "lock", "--check")
    assert check.returncode == 0, check.stderr
    assert "uv.lock" not in result.stderr  # no note: it worked


def test_new_without_the_package_index_keeps_the_project_and_says_how_to_lock(
    tmp_path: Path,
) -> None:
    template = _tiny_release(
        tmp_path / "tpl",
        '[project]\nname = "{{ project_slug }}"\nversion = "0.1.0"\n'
        'dependencies = ["iniconfig>=2"]\n',
    )
    result = run_cli(["new", "o", "--template", str(template), "--defaults"], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    project = tmp_path / "o"
    assert not (project / "uv.lock").exists()
    assert git(["status", "--porcelain"], project) == ""  # complete and committed all the same
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1, result.stderr
    assert "uv.lock was not refreshed" in notes[0] and "`make lock`" in notes[0]
    assert "iniconfig" in notes[0]  # uv's own reason, in a few words
    assert ".mvpscaffold-" not in notes[0]  # never the staging folder's name


# The project a shipped lock is made for: no dependencies, so uv locks it without the index.
SHIPPED_FOR = (
    '[project]\nname = "{{ project_slug }}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    "dependencies = []\n"
)


def _new_with_shipped_lock(tmp_path: Path, pyproject: str) -> tuple[Path, str, Result]:
    """`new` from a template whose uv.lock.jinja is uv's lock of SHIPPED_FOR, the name templated.

    Returns the project, the lock as the template renders it, and what `new` printed.
    """
    scratch = tmp_path / "lock-scratch"
    scratch.mkdir()
    (scratch / "pyproject.toml").write_text(SHIPPED_FOR.replace("{{ project_slug }}", "o"))
    done = _uv(scratch, "lock")
    assert done.returncode == 0, done.stderr
    shipped = (scratch / "uv.lock").read_text()
    assert 'name = "o"' in shipped
    files = {
        "README.md.jinja": "# {{ project_name }}\n",
        "{{_copier_conf.answers_file}}.jinja": ANSWERS_TEMPLATE,
        "pyproject.toml.jinja": pyproject,
        "uv.lock.jinja": shipped.replace('name = "o"', 'name = "{{ project_slug }}"'),
        "Makefile": "install:\n\t@true\n",  # so that `new` lists the make steps
    }
    template = make_release(tmp_path / "tpl", files=files, questions=TINY_QUESTIONS)

    result = run_cli(["new", "o", "--template", str(template), "--defaults"], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    return tmp_path / "o", shipped, result


def test_a_lock_the_template_ships_is_committed_as_it_is(tmp_path: Path) -> None:
    project, shipped, result = _new_with_shipped_lock(tmp_path, SHIPPED_FOR)

    assert (project / "uv.lock").read_text() == shipped
    assert git(["status", "--porcelain"], project) == ""
    assert "uv.lock" not in result.stderr


def test_a_shipped_lock_that_no_longer_matches_pyproject_is_locked_again(tmp_path: Path) -> None:
    # The template's project moved on to 0.2.0 and its lock was not refreshed.
    project, _, result = _new_with_shipped_lock(tmp_path, SHIPPED_FOR.replace("0.1.0", "0.2.0"))
    stderr = result.stderr

    assert 'version = "0.2.0"' in (project / "uv.lock").read_text()
    assert _uv(project, "lock", "--check").returncode == 0
    assert git(["status", "--porcelain"], project) == ""  # the refreshed lock is what was committed
    notes = [line for line in stderr.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1, stderr  # whoever runs `new` learns the template's lock is stale
    assert "uv.lock did not match its pyproject.toml" in notes[0] and "refresh" in notes[0]


def test_a_stale_shipped_lock_that_cannot_be_refreshed_is_kept_with_a_note(tmp_path: Path) -> None:
    needs_index = SHIPPED_FOR.replace("dependencies = []", 'dependencies = ["iniconfig>=2"]')
    project, shipped, result = _new_with_shipped_lock(tmp_path, needs_index)

    assert (project / "uv.lock").read_text() == shipped
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note: ")]
    assert len(notes) == 1, result.stderr
    assert "uv.lock was not refreshed" in notes[0] and "`make lock`" in notes[0]
    assert "iniconfig was not found in the cache" in notes[0]  # uv's own reason
    steps = result.stdout.split("Next steps:")[1].split()
    assert steps.index("lock") < steps.index("install"), result.stdout  # make lock, then install


def test_a_template_without_pyproject_gets_no_lock(tmp_path: Path) -> None:
    template = make_release(tmp_path / "tpl")
    result = run_cli(["new", "o", "--template", str(template), "--defaults"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "o" / "uv.lock").exists()
    assert "uv.lock" not in result.stdout + result.stderr


def _locked_project(tmp_path: Path, v2: dict[str, str]) -> Path:
    """A project made at 1.0.0 and locked, as `new` leaves it, from a repo whose 2.0.0 is `v2`."""
    repo = make_template_repo(tmp_path / "tpl", {"1.0.0": _template_files(), "2.0.0": v2})
    from template_repos import generate

    project = generate(str(repo), tmp_path / "proj", "1.0.0")  # locked and committed
    assert "uv.lock" in git(["ls-files"], project).split()
    return project


def test_update_refreshes_the_lock_when_the_dependencies_change(
    tmp_path: Path, isolated_home: Path
) -> None:
    project = _locked_project(tmp_path, _template_files(requires=">=3.10"))
    before = (project / "uv.lock").read_text()

    report = update_project(project, defaults=True)

    assert report.lock == "refreshed"
    after = (project / "uv.lock").read_text()
    assert 'requires-python = ">=3.11"' in before and 'requires-python = ">=3.10"' in after
    assert _uv(project, "lock", "--check").returncode == 0
    assert "uv.lock: refreshed" in render_summary(report)
    assert "Run `make install`: uv.lock pins other packages now" in render_summary(report)
    assert report.as_json()["lock"] == "refreshed"


def test_update_leaves_the_lock_alone_when_only_other_settings_change(
    tmp_path: Path, isolated_home: Path
) -> None:
    project = _locked_project(tmp_path, _template_files(line_length=120))

    report = update_project(project, defaults=True)

    assert "pyproject.toml" in report.merged
    assert report.lock is None
    assert "uv.lock" not in git(["status", "--porcelain"], project)
    assert "uv.lock" not in render_summary(report)


def test_pretend_says_the_lock_would_be_refreshed_and_writes_nothing(
    tmp_path: Path, isolated_home: Path
) -> None:
    project = _locked_project(tmp_path, _template_files(requires=">=3.10"))

    report = update_project(project, defaults=True, pretend=True)

    assert report.lock == "to refresh"
    assert git(["status", "--porcelain"], project) == ""
    assert "uv.lock: to be refreshed" in render_summary(report)


def test_a_lock_that_cannot_be_refreshed_becomes_a_step_of_the_update(
    tmp_path: Path, isolated_home: Path
) -> None:
    project = _locked_project(tmp_path, _template_files(dependencies='"iniconfig>=2"'))
    before = (project / "uv.lock").read_text()

    report = update_project(project, defaults=True)

    assert report.lock == "stale"
    assert (project / "uv.lock").read_text() == before
    assert any("uv.lock was not refreshed" in note for note in report.notes), report.notes
    summary = render_summary(report)
    assert "uv.lock: NOT refreshed" in summary
    steps = summary.split("Next steps:\n")[1].splitlines()
    assert "make lock" in steps[0] and "make install" in steps[1] and "git diff" in steps[2], steps


def test_a_conflict_in_pyproject_asks_for_make_lock_before_make_check(
    tmp_path: Path, isolated_home: Path
) -> None:
    project = _locked_project(tmp_path, _template_files(requires=">=3.10"))
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('">=3.11"', '">=3.9"'))
    run(project, "git", "commit", "-qam", "owner's floor")

    report = update_project(project, defaults=True)

    assert "pyproject.toml" in report.conflicted
    assert report.lock == "stale"
    steps = render_summary(report).split("Next steps:\n")[1].splitlines()
    lock_step = next(n for n, step in enumerate(steps) if "make lock" in step)
    check_step = next(n for n, step in enumerate(steps) if "make check" in step)
    assert lock_step < check_step, steps
