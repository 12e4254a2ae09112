"""`update`: synthetic template 1.0.0 -> 2.0.0, owner's edits kept, conflicts marked inline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import pytest
import yaml
from helpers import snapshot
from template_repos import (
    OWNER_IDENTITY,
    V1,
    V2,
    generate,
    isolated_home,
    make_template_repo,
    run,
)

from mvpscaffold.errors import Interrupted, RefusedError, ToolError, UserInputError
from mvpscaffold.projects.update import UpdateReport, update_project
from mvpscaffold.reports import render_summary

__all__ = ["isolated_home"]


@pytest.fixture(scope="session")
def _template_and_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The template repository (1.0.0 and 2.0.0) and a project of it, built once per worker.

    Tests read the repository (none changes it) and each gets its own copy of the project.
    """
    root = tmp_path_factory.mktemp("update-base")
    template_repo = make_template_repo(root / "tpl", {"1.0.0": V1, "2.0.0": V2})
    with pytest.MonkeyPatch.context() as env:
        # The owner isolated_home names; HOME apart, so the build leaves no trace in the user's.
        env.setenv("HOME", str(root))
        for key, value in OWNER_IDENTITY.items():
            env.setenv(key, value)
        dest = generate(str(template_repo), root / "proj", "1.0.0")
        (dest / "app" / "orders.py").write_text("def total() -> int:\n    return 3\n")
        settings = dest / "app" / "settings.py"
        settings.write_text(settings.read_text().replace("TIMEOUT = 10", "TIMEOUT = 20"))
        readme = dest / "README.md"
        readme.write_text(readme.read_text().replace("None.", "Owner's notes."))
        (dest / "app" / "extras.py").unlink()
        pyproject = dest / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace(
                '    "fastapi>=0.110",\n', '    "fastapi>=0.110",\n    "httpx>=0.27",\n'
            )
        )
        run(dest, "git", "add", "-A")
        run(dest, "git", "commit", "-qm", "owner edits")
    return template_repo, dest


@pytest.fixture
def template_repo(_template_and_project: tuple[Path, Path]) -> Path:
    """A template repository with tags 1.0.0 and 2.0.0 that differ in every way an update meets."""
    return _template_and_project[0]


@pytest.fixture
def project(_template_and_project: tuple[Path, Path], tmp_path: Path, isolated_home: Path) -> Path:
    """A project generated at 1.0.0 with the owner's typical edits committed (a copy to change)."""
    dest = tmp_path / "proj"
    shutil.copytree(_template_and_project[1], dest, symlinks=True)
    return dest


def test_update_keeps_owner_edits_and_brings_template_changes(project: Path) -> None:
    report = update_project(project, to="2.0.0")

    assert (report.from_version, report.to_version) == ("1.0.0", "2.0.0")
    assert (project / "app" / "orders.py").read_text().endswith("return 3\n")  # owner's module
    readme = (project / "README.md").read_text()
    assert "Intro, now longer." in readme and "Owner's notes." in readme  # both sides merged
    pyproject = (project / "pyproject.toml").read_text()
    assert '"httpx>=0.27"' in pyproject and "line-length = 110" in pyproject
    assert not (project / "app" / "extras.py").exists()  # owner's deletion respected
    assert not (project / "app" / "obsolete.py").exists()  # template's deletion applied
    assert (project / "app" / "health.py").exists()  # template's new file
    settings = (project / "app" / "settings.py").read_text()
    assert "<<<<<<<" in settings and "TIMEOUT = 20" in settings and "TIMEOUT = 30" in settings
    assert "METRICS = False" in settings  # new question answered with its default
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "2.0.0" and answers["metrics"] is False
    assert report.conflicted == ["app/settings.py"]
    assert "README.md" in report.merged and "pyproject.toml" in report.merged
    assert report.added == ["app/health.py"]
    assert report.deleted == ["app/obsolete.py"]
    assert not list(project.rglob("*.rej"))
    assert "CONFLICTED (1):\n    app/settings.py\n" in render_summary(report)
    assert report.as_json()["from"] == "1.0.0" and report.as_json()["to"] == "2.0.0"


def test_update_defaults_to_the_newest_version(project: Path) -> None:
    assert update_project(project).to_version == "2.0.0"


def test_pretend_reports_but_writes_nothing(project: Path) -> None:
    head = run(project, "git", "rev-parse", "HEAD")
    before = {
        p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts
    }

    report = update_project(project, to="2.0.0", pretend=True)

    assert report.pretend and report.conflicted == ["app/settings.py"]
    assert report.added == ["app/health.py"]
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before and run(project, "git", "status", "--porcelain") == ""
    assert run(project, "git", "rev-parse", "HEAD") == head


def test_already_current_project_is_left_alone(project: Path) -> None:
    head = run(project, "git", "rev-parse", "HEAD")
    report = update_project(project, to="1.0.0")
    assert report.from_version == report.to_version == "1.0.0"
    assert report.unchanged > 0 and not (report.merged or report.added or report.conflicted)
    assert "nothing to do" in render_summary(report)
    assert run(project, "git", "status", "--porcelain") == ""
    assert run(project, "git", "rev-parse", "HEAD") == head


def test_failure_during_update_restores_the_project(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = run(project, "git", "rev-parse", "HEAD")

    def half_written(*args: object, **kwargs: object) -> None:
        (project / "app" / "settings.py").write_text("half written")
        (project / "stray.txt").write_text("left behind")
        raise RuntimeError("disk full")

    monkeypatch.setattr(copier, "run_update", half_written)
    with pytest.raises(ToolError, match="back at its last commit"):
        update_project(project, to="2.0.0")
    assert run(project, "git", "status", "--porcelain") == ""
    assert run(project, "git", "rev-parse", "HEAD") == head


def test_interrupt_during_update_restores_the_project(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        (project / "README.md").write_text("half written")
        (project / "new_dir").mkdir()
        (project / "new_dir" / "x.py").write_text("")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_update", interrupted)
    with pytest.raises(Interrupted) as caught:
        update_project(project, to="2.0.0")
    assert caught.value.exit_code == 130
    assert run(project, "git", "status", "--porcelain", "--untracked-files=all") == ""


def _refused(project: Path, match: str, **options: object) -> None:
    before = snapshot(project) if project.exists() else None
    with pytest.raises(RefusedError, match=match) as caught:
        update_project(project, **options)  # type: ignore[arg-type]
    assert caught.value.exit_code == 2
    assert "\n" not in caught.value.message
    assert (snapshot(project) if project.exists() else None) == before


def _worktree(files: dict[str, str]) -> dict[str, str]:
    """A snapshot without git's own bookkeeping (index stat data, reflogs) that a reset rewrites."""
    return {path: digest for path, digest in files.items() if not path.startswith(".git/")}


def _commit_all(project: Path) -> None:
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "change")


def test_refuses_a_missing_path(tmp_path: Path, isolated_home: Path) -> None:
    _refused(tmp_path / "nowhere", "does not exist")


def test_refuses_a_folder_outside_git(project: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / ".copier-answers.yml").write_text((project / ".copier-answers.yml").read_text())
    _refused(plain, "not a git repository")


def test_refuses_a_project_without_answers_file(project: Path) -> None:
    run(project, "git", "rm", "-q", ".copier-answers.yml")
    _commit_all(project)
    _refused(project, "not a project generated")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("_src_path: [unclosed\n", "not valid YAML"),
        ("- a list\n", "must be a mapping"),
        ("_commit: 1.0.0\n", "no _src_path"),
        ("_src_path: /x\n", "no template version"),
        ("_src_path: /x\n_commit: deadbeef\n", "not a template version"),
    ],
)
def test_refuses_a_corrupt_answers_file(project: Path, content: str, match: str) -> None:
    (project / ".copier-answers.yml").write_text(content)
    _commit_all(project)
    _refused(project, match)


def test_refuses_a_dirty_tree_and_lists_the_files(project: Path) -> None:
    (project / "README.md").write_text("edited, not committed\n")
    (project / "app" / "scratch.py").write_text("")
    _refused(project, r"uncommitted changes \(README.md, app/scratch.py\)")
    for n in range(5):
        (project / "app" / f"more{n}.py").write_text("")
    _refused(
        project, r"\(README.md, app/more0.py, app/more1.py, app/more2.py, app/more3.py and 2 more\)"
    )


def test_refuses_a_downgrade(project: Path) -> None:
    update_project(project, to="2.0.0")
    (project / "app" / "settings.py").write_text("RESOLVED = True\n")
    _commit_all(project)
    _refused(project, "downgrades are not supported", to="1.0.0")


def test_refuses_an_unknown_version(project: Path) -> None:
    _refused(project, r"9.9.9 is not a version .*known: 1.0.0, 2.0.0", to="9.9.9")


def test_refuses_another_template_than_the_recorded_one(project: Path, tmp_path: Path) -> None:
    other = make_template_repo(tmp_path / "fork", {"1.0.0": V1})
    _refused(project, "to move it onto .* pass --move as well", template=str(other))


def _cli(*args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from mvpscaffold.cli import app

    result = CliRunner().invoke(app, ["update", *args])
    return result.exit_code, result.output


def test_cli_exits_1_with_conflicts_and_reports_json(project: Path) -> None:
    code, output = _cli(str(project), "--to", "2.0.0", "--json")
    assert code == 1
    report = json.loads(output)
    assert {"from", "to", "merged", "added", "deleted", "conflicted", "unchanged"} <= set(report)
    assert report["conflicted"] == ["app/settings.py"] and report["unchanged"] >= 1


def test_cli_exits_0_on_a_clean_update(
    template_repo: Path, tmp_path: Path, isolated_home: Path
) -> None:
    untouched = generate(str(template_repo), tmp_path / "untouched", "1.0.0")
    code, output = _cli(str(untouched), "--defaults")
    assert code == 0, output
    assert "updated template 1.0.0 -> 2.0.0" in output
    assert output.endswith("\nReview with `git diff`, then commit.\n")  # one step, no list


def test_cli_refusal_is_one_line_exit_2(project: Path) -> None:
    (project / "README.md").write_text("dirty\n")
    code, output = _cli(str(project))
    assert code == 2 and output.strip().count("\n") == 0 and "uncommitted changes" in output


def test_migration_renames_a_file_once(tmp_path: Path, isolated_home: Path) -> None:
    """A file the template renames follows the rename with the owner's edit (copier _migrations)."""
    migration = (
        "_migrations:\n  - version: '2.0.0'\n"
        '    command: "git mv -k app/old_name.py app/new_name.py'
        ' && echo ran >> ../migrations.log"\n'
        "    when: \"{{ _stage == 'before' }}\"\n"
    )
    v1 = {**V1, "template/app/old_name.py": "A = 1\nB = 2\n"}
    v2 = {**V2, "template/app/new_name.py": "A = 1\nB = 2\nC = 3\n"}
    v2["copier.yml"] += migration
    template = make_template_repo(tmp_path / "tpl", {"1.0.0": v1, "2.0.0": v2})
    project = generate(str(template), tmp_path / "proj", "1.0.0")
    (project / "app" / "old_name.py").write_text("A = 100\nB = 2\n")
    run(project, "git", "commit", "-qam", "owner edit")

    report = update_project(project, to="2.0.0", trust=True)

    assert not (project / "app" / "old_name.py").exists()
    assert "A = 100" in (project / "app" / "new_name.py").read_text()
    assert "app/new_name.py" in report.conflicted and "app/old_name.py" in report.deleted
    assert (tmp_path / "migrations.log").read_text() == "ran\n"


@pytest.mark.slow
def test_oldest_real_release_updates_to_current_and_passes_make_check(
    app_venv: Path, tmp_path: Path, isolated_home: Path
) -> None:
    """The real template: the oldest release in the map -> this version, owner edits intact."""
    from generated import check_env, run_make

    from mvpscaffold import __version__
    from mvpscaffold.templates import source
    from mvpscaffold.templates.versions import parse_version

    releases = source.read_release_map(Path(__file__).resolve().parents[2])
    if not releases:
        pytest.skip("template-versions.toml lists no release yet: there is no older version")
    oldest = next(iter(releases))
    src, _ref = source.default_template()
    project = generate(src, tmp_path / "real-path", oldest, {"project_name": "Real Path"})
    package = project / "real_path"
    for folder in (package / "services", project / "tests" / "unit"):
        folder.mkdir(parents=True, exist_ok=True)
    (package / "services" / "reports.py").write_text(
        '"""Owner\'s own use case."""\n\n\ndef count_words(text: str) -> int:\n'
        '    """Number of words in text."""\n    return len(text.split())\n'
    )
    (project / "tests" / "unit" / "test_reports.py").write_text(
        "from real_path.services.reports import count_words\n\n\n"
        'def test_count_words() -> None:\n    assert count_words("a b c") == 3\n'
    )
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Owner's section\n\nKept across updates.\n")
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "owner edits")

    report = update_project(project, defaults=True)

    assert report.to_version == str(parse_version(__version__))
    assert "Kept across updates." in readme.read_text()
    assert "return len(text.split())" in (package / "services" / "reports.py").read_text()
    assert not report.conflicted, report.conflicted
    result = run_make(project, "check", app_venv, check_env(app_venv, tmp_path, None, None))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_signal_during_a_real_update_restores_the_project(
    tmp_path: Path, isolated_home: Path, signame: str
) -> None:
    """A real process, a real signal: the update is stopped mid-way and undone, exit 130."""
    import signal
    import subprocess
    import sys
    import time

    slow = (
        "_migrations:\n  - version: '2.0.0'\n"
        '    command: "touch half-done.txt && exec sleep 10 >/dev/null 2>&1"\n'
    )
    template = make_template_repo(
        tmp_path / "tpl", {"1.0.0": V1, "2.0.0": {**V2, "copier.yml": V2["copier.yml"] + slow}}
    )
    project = generate(str(template), tmp_path / "proj", "1.0.0")
    before = snapshot(project)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from mvpscaffold.cli import main; main()",
            "update",
            str(project),
            "--trust",
            "--defaults",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a test runner started in the background hands SIGINT on ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while not (project / "half-done.txt").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(getattr(signal, signame))
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert "back at its last commit" in err
    assert _worktree(snapshot(project)) == _worktree(before)
    assert run(project, "git", "log", "--format=%s") == "generated\n"
    assert run(project, "git", "status", "--porcelain", "--untracked-files=all") == ""
    assert "Traceback" not in err


def test_cli_pretend_predicts_conflicts_and_writes_nothing(project: Path) -> None:
    before = snapshot(project)
    code, output = _cli(str(project), "--pretend")
    assert code == 1 and "would update template 1.0.0 -> 2.0.0" in output
    assert "Nothing was written" in output and snapshot(project) == before


def test_update_and_check_a_project_with_spaces_and_non_ascii_in_its_path(
    template_repo: Path, tmp_path: Path, isolated_home: Path
) -> None:
    from typer.testing import CliRunner

    from mvpscaffold.cli import app

    project = generate(
        str(template_repo), tmp_path / "client projects" / "Café Ünïcode", "1.0.0",
        {"project_name": "Café Ünïcode"},
    )  # fmt: skip

    code, output = _cli(str(project), "--defaults")
    assert code == 0, output
    assert "updated template 1.0.0 -> 2.0.0" in output
    run(project, "git", "commit", "-qam", "update to 2.0.0")
    checked = CliRunner().invoke(app, ["check", str(project)])
    assert checked.exit_code == 0, checked.output
    row = checked.stdout.splitlines()[2]
    assert row.startswith("Café Ünïcode") and row.endswith(str(project))


def test_a_file_the_template_removed_is_kept_when_the_owner_edited_it(project: Path) -> None:
    obsolete = project / "app" / "obsolete.py"
    obsolete.write_text("OLD = True\n\n\ndef still_used() -> bool:\n    return OLD\n")
    _commit_all(project)

    report = update_project(project, to="2.0.0")

    assert obsolete.read_text().endswith("return OLD\n")  # the owner's work is still there
    assert report.kept == ["app/obsolete.py"] and "app/obsolete.py" not in report.deleted
    assert "kept (1): app/obsolete.py" in render_summary(report)
    assert "no longer in the template" in render_summary(report)


def _use_defaults_file(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the user a defaults file (the agency presets) with this content."""
    presets = tmp_path / "defaults.yml"
    presets.write_text(text)
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", str(presets))


def test_a_question_new_in_the_version_takes_the_users_default(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_defaults_file("metrics: true\nproject_name: Not Ours\n", tmp_path, monkeypatch)

    update_project(project, to="2.0.0", defaults=True)

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["metrics"] is True  # new in 2.0.0: the agency's default, not the template's
    assert answers["project_name"] == "Demo"  # answered when generated: never replaced
    assert "METRICS = True" in (project / "app" / "settings.py").read_text()


def test_a_defaults_file_that_does_not_fit_the_new_version_is_refused_before_any_change(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_defaults_file("metrics: sometimes\n", tmp_path, monkeypatch)
    before = _worktree(snapshot(project))

    with pytest.raises(UserInputError, match="defaults file"):
        update_project(project, to="2.0.0")
    assert _worktree(snapshot(project)) == before


def test_an_update_with_nothing_to_do_does_not_import_copier(project: Path) -> None:
    """copier takes ~0.5 s to import; checking a project that is current must not pay for it."""
    probe = (
        "import sys, pathlib; from mvpscaffold.projects.update import update_project; "
        f"update_project(pathlib.Path({str(project)!r}), to='1.0.0'); "
        "print('copier' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False\n"


def test_where_git_ignores_file_modes_an_added_executable_bit_still_reaches_the_index(
    tmp_path: Path, isolated_home: Path
) -> None:
    """copier copies the executable bit into the index when core.fileMode is false (Windows,
    WSL); asking git for that setting once per render instead of once per file keeps it so."""
    template = make_template_repo(tmp_path / "tpl", {"1.0.0": {**V1, "template/run.sh": "true\n"}})
    (template / "template" / "run.sh").chmod(0o755)
    run(template, "git", "commit", "-qam", "template 2.0.0: run.sh is executable")
    run(template, "git", "tag", "2.0.0")
    project = generate(str(template), tmp_path / "proj", "1.0.0")
    run(project, "git", "config", "core.fileMode", "false")
    assert run(project, "git", "ls-files", "--stage", "run.sh").startswith("100644 ")

    update_project(project, to="2.0.0")

    assert run(project, "git", "ls-files", "--stage", "run.sh").startswith("100755 ")


def test_conflicts_keep_copiers_markers_and_the_summary_says_how_to_finish(
    project: Path,
) -> None:
    run(project, "git", "config", "merge.conflictStyle", "diff3")  # copier then writes the base

    report = update_project(project, to="2.0.0")

    settings = (project / "app" / "settings.py").read_text()
    assert (
        "<<<<<<< before updating\nTIMEOUT = 20\n||||||| last update\nTIMEOUT = 10\n=======\n"
        "TIMEOUT = 30\n>>>>>>> after updating\n"
    ) in settings
    summary = render_summary(report)
    steps = summary[summary.index("Next steps:") :]
    assert steps.index("`<<<<<<< before updating` (your version)") < steps.index("make check")
    assert steps.index("make check") < steps.index("`git add`") < steps.index("commit")
    assert "To abandon the update: `git reset --hard && git clean -fd`" in steps


def test_the_summary_of_a_pretend_update_says_what_would_change() -> None:
    report = UpdateReport("shop", "0.2.0", "0.3.0", pretend=True)
    report.resources = ["invoices"]
    summary = render_summary(report)
    assert "would update template 0.2.0 -> 0.3.0" in summary
    assert "resources to update: invoices" in summary
    assert "updated" not in summary


GUIDE = """# Upgrading

## 3.0.0: not reached

Nothing.

## 2.0.0: metrics

By hand: set METRICS in production.

## 1.0.0: the first

Nothing to port.
"""


def test_update_prints_the_part_of_the_upgrading_guide_it_crosses(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = make_template_repo(
        tmp_path / "tpl",
        {"1.0.0": V1, "2.0.0": {**V2, "template/.upgrade/UPGRADING.md": GUIDE}},
    )
    project = generate(str(repo), tmp_path / "proj", "1.0.0")

    report = update_project(project, to="2.0.0")

    assert report.guide == ["## 2.0.0: metrics\n\nBy hand: set METRICS in production."]
    summary = render_summary(report)
    assert "By hand: set METRICS in production." in summary
    assert "Port what the upgrading guide above says." in summary


QUIET = {"defaults": True, "quiet": True}
RESOURCE_COPIER = """_subdirectory: "{{ 'resource' if resource else 'template' }}"
_answers_file: "{{ '.copier-answers.resource-' ~ resource.name ~ '.yml' if resource else \
'.copier-answers.yml' }}"
project_name:
  type: str
  default: Demo
resource:
  type: yaml
  default: {}
  when: "{{ resource | length > 0 }}"
"""


def _with_resources(files: dict[str, str], label: str) -> dict[str, str]:
    return {
        **files,
        "copier.yml": RESOURCE_COPIER,
        "resource/{{_copier_conf.answers_file}}.jinja": files[
            "template/{{_copier_conf.answers_file}}.jinja"
        ],
        "resource/app/{{resource.name}}.py.jinja": f"LABEL = {label!r}\n",
    }


def test_resources_update_in_the_same_run_as_a_project_conflict(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = make_template_repo(
        tmp_path / "tpl",
        {"1.0.0": _with_resources(V1, "one"), "2.0.0": _with_resources(V2, "two")},
    )
    project = generate(str(repo), tmp_path / "proj", "1.0.0")
    copier.run_copy(
        str(repo), project, data={"resource": {"name": "things"}}, vcs_ref="1.0.0", **QUIET
    )
    settings = project / "app" / "settings.py"
    settings.write_text(settings.read_text().replace("TIMEOUT = 10", "TIMEOUT = 20"))
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "a resource, and the owner's timeout")

    report = update_project(project, to="2.0.0")

    assert report.conflicted == ["app/settings.py"]
    assert report.resources == ["things"]  # not left for a second update
    assert (project / "app" / "things.py").read_text() == "LABEL = 'two'\n"
    things = yaml.safe_load((project / ".copier-answers.resource-things.yml").read_text())
    assert things["_commit"] == "2.0.0"
    assert "<<<<<<< before updating" in settings.read_text()


def test_a_failing_upgrade_step_leaves_the_project_at_its_last_commit(
    tmp_path: Path, isolated_home: Path
) -> None:
    step = "import pathlib, sys; pathlib.Path('app/half.py').write_text('x'); sys.exit(1)"
    failing = {
        **V2,
        "copier.yml": V2["copier.yml"]
        + f'_migrations:\n  - version: "2.0.0"\n    command: ["python3", "-c", "{step}"]\n',
    }
    repo = make_template_repo(tmp_path / "tpl", {"1.0.0": V1, "2.0.0": failing})
    project = generate(str(repo), tmp_path / "proj", "1.0.0")
    head = run(project, "git", "rev-parse", "HEAD")

    with pytest.raises(ToolError, match="An upgrade step of the template failed") as failed:
        update_project(project, to="2.0.0", trust=True)

    assert "the project is back at its last commit" in failed.value.message
    assert run(project, "git", "status", "--porcelain", "--untracked-files=all") == ""
    assert run(project, "git", "rev-parse", "HEAD") == head


def test_set_changes_an_answer_at_the_same_version_and_keeps_the_owners_edits(
    project: Path,
) -> None:
    report = update_project(project, to="1.0.0", assignments=("project_name=Shop",))

    assert (report.from_version, report.to_version) == ("1.0.0", "1.0.0")
    assert "Answer project_name: Demo -> Shop." in report.notes
    settings = (project / "app" / "settings.py").read_text()
    assert 'NAME = "Shop"' in settings and "TIMEOUT = 20" in settings  # the owner's edit stays
    assert (project / "README.md").read_text().startswith("# Shop\n")
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["project_name"] == "Shop"


def test_set_answers_a_question_of_the_newer_version_and_refuses_a_bad_value(
    project: Path,
) -> None:
    with pytest.raises(UserInputError, match="metrics must be true or false"):
        update_project(project, to="2.0.0", assignments=("metrics=maybe",))
    assert run(project, "git", "status", "--porcelain") == ""

    update_project(project, to="2.0.0", assignments=("metrics=yes",))

    assert "METRICS = True" in (project / "app" / "settings.py").read_text()


def test_set_with_the_recorded_answer_changes_nothing(project: Path) -> None:
    report = update_project(project, to="1.0.0", assignments=("project_name=Demo",))
    assert not report.changed and run(project, "git", "status", "--porcelain") == ""
