"""Alembic revisions read with `ast`: version folders, heads, merge revisions, conflict labels."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from generated import Renders
from helpers import read_answers, snapshot
from template_repos import (
    OWNER_IDENTITY,
    V1,
    V2,
    generate,
    isolated_home,
    make_template_repo,
    run,
)
from typer.testing import CliRunner

from mvpscaffold.cli import app
from mvpscaffold.errors import MigrationHistoryError
from mvpscaffold.projects import migrations
from mvpscaffold.projects.update import update_project
from mvpscaffold.reports import render_summary

__all__ = ["isolated_home"]

MIGRATIONS = "app/data/migrations"
NOW = datetime(2026, 11, 29, 15, 30, 12, tzinfo=UTC)
INI_NEWLINE = (
    "[alembic]\nscript_location = %(here)s/app/data/migrations\nversion_locations =\n"
    "    %(here)s/app/data/migrations/template\n    %(here)s/app/data/migrations/versions\n"
    "path_separator = newline\nfile_template = %%(rev)s_%%(slug)s\n"
)


def write_revision(
    project: Path, folder: str, name: str, revision: str, down: str, *, annotated: bool = True
) -> Path:
    """A revision file as Alembic writes one; `down` is the Python source of its down_revision."""
    path = project / MIGRATIONS / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if annotated:
        header = f'revision: str = "{revision}"\ndown_revision: str | None = {down}\n'
    else:
        header = f'revision = "{revision}"\ndown_revision = {down}\n'
    path.write_text(f'"""A revision."""\n\n{header}\n\ndef upgrade() -> None:\n    pass\n')
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with the template's two folders listed in alembic.ini and one template root."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "alembic.ini").write_text(INI_NEWLINE)
    write_revision(root, "template", "0001_accounts_and_notes.py", "0001", "None")
    return root


def test_one_chain_has_one_head_and_needs_no_merge(project: Path) -> None:
    write_revision(project, "template", "template_0002_archive.py", "template_0002", '"0001"')
    write_revision(
        project, "versions", "20261101_120000_tags.py", "20261101_120000", '"template_0002"'
    )

    revisions = migrations.read_history(project, migrations.version_folders(project, None))

    assert migrations.heads(revisions) == ["20261101_120000"]
    assert migrations.plan_merge(project, None, "0.3.0", NOW) is None


def test_template_and_owner_branches_get_a_merge_revision_in_the_owners_folder(
    project: Path,
) -> None:
    write_revision(project, "template", "template_0002_archive.py", "template_0002", '"0001"')
    write_revision(project, "versions", "20261101_120000_tags.py", "20261101_120000", '"0001"')

    plan = migrations.plan_merge(project, None, "0.3.0", NOW)

    assert plan is not None
    assert plan.revision == "20261129_153012"
    assert plan.heads == ("20261101_120000", "template_0002")
    assert (
        plan.path == project / MIGRATIONS / "versions" / "20261129_153012_merge_template_0_3_0.py"
    )
    assert (
        'down_revision: str | Sequence[str] | None = ("20261101_120000", "template_0002")'
        in plan.text
    )
    assert "Revises: 20261101_120000, template_0002\n" in plan.text
    plan.path.write_text(plan.text)
    revisions = migrations.read_history(project, migrations.version_folders(project, None))
    assert migrations.heads(revisions) == ["20261129_153012"]


def test_down_revisions_are_read_in_every_form_alembic_accepts(project: Path) -> None:
    write_revision(project, "versions", "a.py", "aaaa", '"0001"', annotated=False)
    write_revision(project, "versions", "b.py", "bbbb", '["0001"]')
    write_revision(project, "versions", "c.py", "cccc", '("aaaa", "bbbb")')
    write_revision(project, "versions", "d.py", "dddd", "None", annotated=False)
    helper = project / MIGRATIONS / "versions" / "helpers.py"
    helper.write_text('"""Shared by revisions: no revision of its own."""\n\nNAME = "x"\n')
    (project / MIGRATIONS / "versions" / "__init__.py").write_text('revision = "ignored"\n')

    revisions = migrations.read_history(project, migrations.version_folders(project, None))

    assert {r.id: r.down for r in revisions.values()} == {
        "0001": (),
        "aaaa": ("0001",),
        "bbbb": ("0001",),
        "cccc": ("aaaa", "bbbb"),
        "dddd": (),
    }
    assert migrations.heads(revisions) == ["cccc", "dddd"]


def test_a_merge_id_already_taken_moves_on_by_a_second(project: Path) -> None:
    write_revision(project, "template", "template_0002_archive.py", "template_0002", '"0001"')
    write_revision(project, "versions", "20261129_153012_mine.py", "20261129_153012", '"0001"')
    (project / MIGRATIONS / "versions" / "20261129_153013_draft.txt").write_text("")

    plan = migrations.plan_merge(project, None, "0.3.0", NOW)

    assert plan is not None and plan.revision == "20261129_153014"
    assert plan.heads == ("20261129_153012", "template_0002")


def test_an_id_declared_twice_is_refused_naming_both_files(project: Path) -> None:
    write_revision(project, "versions", "0001_accounts_and_notes.py", "0001", "None")

    with pytest.raises(MigrationHistoryError) as caught:
        migrations.plan_merge(project, None, "0.3.0", NOW)

    message = caught.value.message
    assert "Revision id 0001 is declared by two files" in message
    assert "app/data/migrations/template/0001_accounts_and_notes.py" in message
    assert "app/data/migrations/versions/0001_accounts_and_notes.py" in message
    assert "\n" not in message and caught.value.exit_code == 1
    assert not list((project / MIGRATIONS / "versions").glob("*merge*"))


def test_a_revision_file_left_with_conflict_markers_is_named(project: Path) -> None:
    path = write_revision(project, "versions", "0002_tags.py", "0002", '"0001"')
    path.write_text(path.read_text() + "<<<<<<< before updating\n")

    with pytest.raises(MigrationHistoryError, match=r"versions/0002_tags.py is not valid Python"):
        migrations.plan_merge(project, None, "0.3.0", NOW)
    assert migrations.known_revision_ids(project, None) == {"0001"}


@pytest.mark.parametrize(
    ("down", "match"),
    [("PARENT", "does not set `down_revision`"), ('"nowhere"', "revises nowhere")],
)
def test_a_history_that_cannot_be_followed_is_refused(project: Path, down: str, match: str) -> None:
    write_revision(project, "versions", "0002_tags.py", "0002", down)
    with pytest.raises(MigrationHistoryError, match=match):
        migrations.plan_merge(project, None, "0.3.0", NOW)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (  # path_separator = os: os.pathsep between entries
            "version_locations = %(here)s/db/one:db/two\npath_separator = os\n",
            ["db/one", "db/two"],
        ),
        (  # no separator: Alembic's legacy split on spaces and commas
            "version_locations = db/one, db/two db/three\n",
            ["db/one", "db/two", "db/three"],
        ),
        (  # nothing listed: the template's two folders under script_location
            "script_location = %(here)s/db\n",
            ["db/template", "db/versions"],
        ),
        ("", ["pkg/data/migrations/template", "pkg/data/migrations/versions"]),
    ],
)
def test_version_folders_follow_alembic_ini(
    tmp_path: Path, options: str, expected: list[str]
) -> None:
    (tmp_path / "alembic.ini").write_text(f"[alembic]\n{options}")
    assert migrations.version_folders(tmp_path, "pkg") == [tmp_path / e for e in expected]


def test_a_project_without_alembic_has_no_version_folders(tmp_path: Path) -> None:
    assert migrations.version_folders(tmp_path, None) == []
    assert migrations.plan_merge(tmp_path, None, "1.0.0", NOW) is None


def test_version_locations_in_pyproject_are_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic]\nversion_locations = ["%(here)s/db/mine", "db/theirs"]\n'
    )
    assert migrations.version_folders(tmp_path, None) == [
        tmp_path / "db" / "mine",
        tmp_path / "db" / "theirs",
    ]


def test_a_long_merge_revision_is_laid_out_as_ruff_format_lays_it_out() -> None:
    parents = tuple(f"{n:012x}" for n in range(12))
    text = migrations.merge_revision_text("20261129_153012", parents, "0.3.0", NOW)
    assert 'down_revision: str | Sequence[str] | None = (\n    "000000000000",\n' in text
    assert '    "00000000000b",\n)\n' in text
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(
    "parents", [("20261101_120000", "template_0002"), tuple("abcdefghijklmnop")]
)
def test_the_merge_revision_passes_the_generated_projects_ruff(
    renders: Renders, parents: tuple[str, ...]
) -> None:
    """Rendered with the real template's ruff settings, docstring and annotation rules included."""
    project = renders.copy({})  # the default answers, rendered for the template tests too
    owner = next(f for f in migrations.version_folders(project, "my_app") if f.name == "versions")
    owner.mkdir(parents=True, exist_ok=True)
    merge = owner / "20261129_153012_merge_template_0_3_0.py"
    merge.write_text(migrations.merge_revision_text("20261129_153012", parents, "0.3.0", NOW))
    ruff = str(Path(sys.executable).with_name("ruff"))

    for args in (["format", "--check"], ["check", "--extend-select", "D,ANN,I,E,W"]):
        done = subprocess.run(
            [ruff, *args, str(merge)], cwd=project, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


# --- `update` of a project whose template moves its revisions to template/ and adds one ---

OLD_INI = "[alembic]\nscript_location = %(here)s/app/data/migrations\n"
ROOT_REVISION = '"""Accounts."""\n\nrevision: str = "0001"\ndown_revision: str | None = None\n'
ARCHIVE_REVISION = (
    '"""Archive notes."""\n\nrevision: str = "template_0002"\ndown_revision: str | None = "0001"\n'
)
M1 = {
    **V1,
    "template/alembic.ini": OLD_INI,
    f"template/{MIGRATIONS}/versions/0001_accounts.py": ROOT_REVISION,
}
M2 = {
    **V2,
    "template/alembic.ini": INI_NEWLINE,
    f"template/{MIGRATIONS}/template/0001_accounts.py": ROOT_REVISION,
    f"template/{MIGRATIONS}/template/template_0002_archive_notes.py": ARCHIVE_REVISION,
}
ARCHIVE_PATH = f"{MIGRATIONS}/template/template_0002_archive_notes.py"


@pytest.fixture(scope="session")
def _old_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template (1.0.0 and 2.0.0) and its 1.0.0 project, built once per worker.

    Tests change their copy of the project, never the template it records.
    """
    root = tmp_path_factory.mktemp("migrations-base")
    template = make_template_repo(root / "tpl", {"1.0.0": M1, "2.0.0": M2})
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOME", str(root))  # the build leaves no trace in the user's HOME
        for key, value in OWNER_IDENTITY.items():
            env.setenv(key, value)
        return generate(str(template), root / "proj", "1.0.0")


@pytest.fixture
def old_project(_old_project: Path, tmp_path: Path, isolated_home: Path) -> Path:
    """A project generated before the template had its own folder of revisions (a copy)."""
    project = tmp_path / "proj"
    shutil.copytree(_old_project, project, symlinks=True)
    return project


def _owner_revision(project: Path, name: str, revision: str, down: str) -> None:
    write_revision(project, "versions", name, revision, down)
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "owner's migration")


def test_update_lists_the_migrations_it_brings_and_merges_them_with_the_owners(
    old_project: Path,
) -> None:
    _owner_revision(old_project, "20261101_120000_tags.py", "20261101_120000", '"0001"')

    report = update_project(old_project, to="2.0.0")

    assert report.migrations == [ARCHIVE_PATH]  # the moved 0001 is no new migration
    assert f"{MIGRATIONS}/template/0001_accounts.py" in report.added
    assert report.merge_revision is not None and report.migration_problem is None
    merge = old_project / report.merge_revision
    assert merge.parent == old_project / MIGRATIONS / "versions"
    assert merge.name.endswith("_merge_template_2_0_0.py")
    assert '("20261101_120000", "template_0002")' in merge.read_text()
    folders = migrations.version_folders(old_project, None)
    assert len(migrations.heads(migrations.read_history(old_project, folders))) == 1
    summary = render_summary(report)
    assert f"    {ARCHIVE_PATH}\n" in summary and report.merge_revision in summary
    assert "then run `make migrate`" in summary


def test_an_update_that_leaves_one_head_writes_no_merge(old_project: Path) -> None:
    report = update_project(old_project, to="2.0.0")

    assert report.migrations == [ARCHIVE_PATH]
    assert report.merge_revision is None
    assert not list((old_project / MIGRATIONS / "versions").glob("*.py"))
    assert "`make migrate`" in render_summary(report)


def test_pretend_names_the_merge_revision_but_writes_nothing(old_project: Path) -> None:
    _owner_revision(old_project, "0002_tags.py", "0002", '"0001"')
    before = snapshot(old_project)

    report = update_project(old_project, to="2.0.0", pretend=True)

    assert report.migrations == [ARCHIVE_PATH]
    assert report.merge_revision is not None
    assert report.merge_revision.startswith(f"{MIGRATIONS}/versions/")
    assert "merge revision (to be written)" in render_summary(report)
    assert snapshot(old_project) == before
    time.sleep(1.1)  # a later second: the real run still writes the file --pretend named
    assert update_project(old_project, to="2.0.0").merge_revision == report.merge_revision


def test_a_duplicate_revision_id_is_reported_and_the_update_stands(old_project: Path) -> None:
    """An owner who edited the template's 0001 keeps it in versions/ beside template/'s copy."""
    root = old_project / MIGRATIONS / "versions" / "0001_accounts.py"
    root.write_text(root.read_text() + "# reviewed by the owner\n")
    run(old_project, "git", "commit", "-qam", "owner's note in the first migration")

    code, output = _update_cli(str(old_project), "--to", "2.0.0", "--json")

    assert code == 1, output
    report = json.loads(output)
    assert report["merge_revision"] is None and report["migrations"] == [ARCHIVE_PATH]
    problem = report["migration_problem"]
    assert problem.startswith("Revision id 0001 is declared by two files")
    assert f"{MIGRATIONS}/template/0001_accounts.py" in problem
    assert f"{MIGRATIONS}/versions/0001_accounts.py" in problem
    assert read_answers(old_project)["_commit"] == "2.0.0"  # the update itself is kept
    assert not list((old_project / MIGRATIONS / "versions").glob("*merge*"))


def test_cli_json_lists_migrations_and_the_merge_revision(old_project: Path) -> None:
    _owner_revision(old_project, "5b6558574ec0_tags.py", "5b6558574ec0", '"0001"')

    code, output = _update_cli(str(old_project), "--json")

    assert code == 0, output
    report = json.loads(output)
    assert report["migrations"] == [ARCHIVE_PATH] and report["migration_problem"] is None
    assert (old_project / report["merge_revision"]).is_file()


@pytest.mark.slow
def test_alembic_itself_sees_one_head_after_the_update(old_project: Path, app_venv: Path) -> None:
    _owner_revision(old_project, "0002_tags.py", "0002", '"0001"')
    alembic = str(app_venv / "bin" / "alembic")
    assert len(run(old_project, alembic, "heads").splitlines()) == 1  # before: 0001 -> 0002

    update_project(old_project, to="2.0.0")

    heads = run(old_project, alembic, "heads").splitlines()
    assert (
        len(heads) == 1
        and heads[0].endswith("(head)")
        and "(mergepoint)" in run(old_project, alembic, "history")
    )


def _update_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["update", *args])
    return result.exit_code, result.output
