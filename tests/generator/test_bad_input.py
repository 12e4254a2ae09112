"""A catalog of bad inputs: each gets one sentence on stderr, its documented exit code,
no traceback, and leaves the files around it exactly as they were.

To add a case, append a BadInput to CATALOG. Arguments may use {area}, the scratch folder the
command runs in. `new` cases render the stock questions (copier.yml and its naming rules) unless
they name a template; `update` and `check` cases work on {area}/proj, generated from a template
repository {area}/tpl tagged 1.0.0 and 2.0.0 (see `with_project`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    TINY_QUESTIONS,
    commit_all,
    make_release,
    make_template,
    run_cli,
    snapshot,
)
from template_repos import V1, V2, generate, make_template_repo, run

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BadInput:
    """One bad command line, what to prepare before it, and what it must answer."""

    id: str
    args: tuple[str, ...]
    says: str
    code: int = 2
    setup: Callable[[Path], None] | None = None


def new(*extra: str, dest: str = "proj") -> tuple[str, ...]:
    """`new proj --defaults` plus extra arguments, by default with the stock questions."""
    template = () if "--template" in extra else ("--template", "{stock}")
    return ("new", dest, "--defaults", *template, *extra)


def with_file(name: str, text: str) -> Callable[[Path], None]:
    """Setup: write a file into the area."""
    return lambda area: (area / name).write_text(text, encoding="utf-8") and None


def with_template(**kwargs: object) -> Callable[[Path], None]:
    """Setup: a tiny template at {area}/tpl, a git repository tagged 1.0.0."""
    return lambda area: make_release(area / "tpl", **kwargs) and None


def with_committed_files(files: dict[str, str]) -> Callable[[Path], None]:
    """Setup: {area}/tpl, a git repository tagged 1.0.0 holding `files` (not a template)."""

    def setup(area: Path) -> None:
        for name, text in files.items():
            (area / "tpl" / name).parent.mkdir(parents=True, exist_ok=True)
            (area / "tpl" / name).write_text(text, encoding="utf-8")
        commit_all(area / "tpl", "not a template", tag="1.0.0")

    return setup


def with_git_template(area: Path) -> None:
    """Setup: a tiny template at {area}/tpl that is a git repository tagged 1.0.0."""
    commit_all(make_template(area / "tpl"), "template 1.0.0", tag="1.0.0")


def with_nonempty_dir(area: Path) -> None:
    """Setup: {area}/proj holds a file."""
    (area / "proj").mkdir()
    (area / "proj" / "keep.txt").write_text("mine\n", encoding="utf-8")


def with_project(
    version: str = "1.0.0", change: Callable[[Path], None] | None = None, commit: bool = True
) -> Callable[[Path], None]:
    """Setup: {area}/proj generated at `version` from {area}/tpl; `change` edits it afterwards.

    The change is committed unless `commit` is false (a dirty tree).
    """

    def setup(area: Path) -> None:
        template = make_template_repo(area / "tpl", {"1.0.0": V1, "2.0.0": V2})
        project = generate(str(template), area / "proj", version)
        if change is not None:
            change(project)
            if commit:
                run(project, "git", "add", "-A")
                run(project, "git", "commit", "-qm", "owner change")

    return setup


def answers_file(text: str) -> Callable[[Path], None]:
    """A change: replace the project's .copier-answers.yml with `text`."""
    return lambda project: (project / ".copier-answers.yml").write_text(text) and None


def with_plain_folder(area: Path) -> None:
    """Setup: {area}/plain, a folder with one file and no answers file."""
    (area / "plain").mkdir()
    (area / "plain" / "notes.txt").write_text("not a project\n")


def with_answers_outside_git(area: Path) -> None:
    """Setup: {area}/loose holds a copy of a real answers file but is no git repository."""
    with_project()(area)
    (area / "loose").mkdir()
    (area / "loose" / ".copier-answers.yml").write_text(
        (area / "proj" / ".copier-answers.yml").read_text()
    )


def with_git_repo_without_answers(area: Path) -> None:
    """Setup: {area}/repo, a committed git repository that mvpscaffold did not generate."""
    (area / "repo").mkdir()
    (area / "repo" / "main.py").write_text("print('hi')\n")
    run(area / "repo", "git", "init", "-q")
    run(area / "repo", "git", "add", "-A")
    run(area / "repo", "git", "commit", "-qm", "mine")


def edit_readme(project: Path) -> None:
    """A change: modify a tracked file."""
    (project / "README.md").write_text("edited\n")


def add_scratch(project: Path) -> None:
    """A change: add an untracked file."""
    (project / "app" / "scratch.py").write_text("")


def stage_new_file(project: Path) -> None:
    """A change: a new file, staged but not committed."""
    (project / "TODO.md").write_text("later\n")
    run(project, "git", "add", "TODO.md")


def move_template_away(area: Path) -> None:
    """Setup: a project whose recorded template folder no longer exists."""
    with_project()(area)
    (area / "tpl").rename(area / "tpl-moved")


TINY = ("--template", "{area}/tpl")
PROJ = "{area}/proj"
CATALOG: list[BadInput] = [
    # package and slug names
    BadInput("package-keyword", new("--set", "package_name=class"), "keyword"),
    BadInput("slug-gives-keyword", new("--set", "project_slug=import"), "keyword"),
    BadInput("package-stdlib", new("--set", "package_name=json"), "standard library"),
    BadInput("slug-stdlib", new("--set", "project_slug=logging"), "standard library"),
    BadInput("package-fastapi", new("--set", "package_name=fastapi"), "depends on"),
    BadInput("package-sqlalchemy", new("--set", "package_name=sqlalchemy"), "depends on"),
    BadInput("slug-pytest", new("--set", "project_slug=pytest"), "depends on"),
    BadInput("package-tests", new("--set", "package_name=tests"), "depends on"),
    BadInput("name-derives-test", new("--set", "project_name=Test"), "--set project_slug"),
    BadInput("package-separator", new("--set", "package_name=a/b"), "path separators"),
    BadInput("slug-dotdot", new("--set", "project_slug=../evil"), "path separators"),
    BadInput("package-dotdot", new("--set", "package_name=.."), "path separators"),
    BadInput("slug-backslash", new("--set", "project_slug=a\\b"), "path separators"),
    BadInput("package-leading-digit", new("--set", "package_name=1app"), "start with a letter"),
    BadInput("slug-leading-digit", new("--set", "project_slug=2048-game"), "start with a letter"),
    BadInput("name-derives-digit-slug", new("--set", "project_name=2048"), "--set project_slug"),
    BadInput("package-uppercase", new("--set", "package_name=MyApp"), "lowercase"),
    BadInput("slug-double-dash", new("--set", "project_slug=my--app"), "single dashes"),
    BadInput("package-too-long", new("--set", "package_name=" + "a" * 80), "at most 50"),
    BadInput("slug-too-long", new("--set", "project_slug=" + "b" * 51), "at most 50"),
    BadInput("package-control-char", new("--set", "package_name=ab\x07c"), "control"),
    BadInput("package-empty", new("--set", "package_name="), "empty"),
    # free text
    BadInput("name-empty", new("--set", "project_name="), "must not be empty"),
    BadInput("name-blank", new("--set", "project_name=   "), "must not be empty"),
    BadInput("name-newline", new("--set", "project_name=a\nb"), "control characters"),
    BadInput("name-no-ascii", new("--set", "project_name=日本"), "--set project_slug="),
    BadInput("description-tab", new("--set", "description=a\tb"), "control characters"),
    BadInput("email-no-at", new("--set", "author_email=nobody"), "name@example.com"),
    BadInput("email-no-dot", new("--set", "author_email=a@b"), "name@example.com"),
    BadInput("email-space", new("--set", "author_email=a b@c.de"), "name@example.com"),
    # choices, types, keys
    BadInput("database-mysql", new("--set", "database=mysql"), "sqlite, postgresql"),
    BadInput("ci-travis", new("--set", "ci=travis"), "github, gitlab, none"),
    BadInput("license-gpl", new("--set", "license=GPL-3.0"), "one of"),
    BadInput("jobs-celery", new("--set", "jobs=celery"), "embedded, redis"),
    BadInput("bool-maybe", new("--set", "metrics=maybe"), "true or false"),
    BadInput("unknown-key", new("--set", "colour=blue"), "Unknown answer key 'colour'"),
    BadInput("set-without-equals", new("--set", "database"), "KEY=VALUE"),
    # data files
    BadInput(
        "yaml-name-number",
        new("--data-file", "a.yml"),
        "must be text",
        setup=with_file("a.yml", "project_name: 123\n"),
    ),
    BadInput(
        "yaml-bool-list",
        new("--data-file", "a.yml"),
        "true or false",
        setup=with_file("a.yml", "error_tracking: [1]\n"),
    ),
    BadInput(
        "yaml-choice-number",
        new("--data-file", "a.yml"),
        "must be text",
        setup=with_file("a.yml", "database: 5\n"),
    ),
    BadInput(
        "yaml-empty-answer",
        new("--data-file", "a.yml"),
        "The answer for jobs is empty; give it a value or leave the key out",
        setup=with_file("a.yml", "jobs: null\n"),
    ),
    BadInput(
        "yaml-unknown-key",
        new("--data-file", "a.yml"),
        "Unknown answer key",
        setup=with_file("a.yml", "project_name: Shop\ncolor: red\n"),
    ),
    BadInput("yaml-missing", new("--data-file", "nope.yml"), "not found"),
    BadInput(
        "yaml-is-a-folder",
        new("--data-file", "d"),
        "Data file d is a folder; give --data-file a YAML file",
        setup=lambda area: (area / "d").mkdir(),
    ),
    BadInput(
        "yaml-malformed",
        new("--data-file", "a.yml"),
        "not valid YAML at line",
        setup=with_file("a.yml", "project_name: [unclosed\nci: github\n"),
    ),
    BadInput(
        "yaml-list",
        new("--data-file", "a.yml"),
        "must be a YAML mapping",
        setup=with_file("a.yml", "- project_name\n- ci\n"),
    ),
    BadInput(
        "yaml-scalar",
        new("--data-file", "a.yml"),
        "must be a YAML mapping",
        setup=with_file("a.yml", "just words\n"),
    ),
    BadInput(
        "yaml-not-utf8",
        new("--data-file", "a.yml"),
        "not valid YAML",
        setup=lambda area: (area / "a.yml").write_bytes(b"project_name: \xff\xfe\n"),
    ),
    # destinations
    BadInput(
        "dest-is-file", new(dest="proj"), "is a file", setup=with_file("proj", "not a folder\n")
    ),
    BadInput("dest-not-empty", new(dest="proj"), "is not empty", setup=with_nonempty_dir),
    # root may write anywhere os.access can tell, yet not make a folder in /proc or /sys
    BadInput("dest-in-proc", new(dest="/proc/app"), "Cannot write in /proc; choose a destination"),
    BadInput("dest-under-proc", new(dest="/proc/new/app"), "Cannot write in /proc;"),
    BadInput("dest-in-sys", new(dest="/sys/app"), "Cannot write in /sys;"),
    BadInput("dest-name-too-long", new(dest="a" * 250), "is too long; choose a shorter one."),
    BadInput(
        "dest-inside-template",
        new(*TINY, dest="tpl/template/out"),
        "inside the template's own folder",
        setup=with_template(),
    ),
    BadInput(
        "dest-is-template",
        new(*TINY, dest="tpl"),
        "is not empty",
        setup=with_template(),
    ),
    # no terminal and nothing to answer with
    BadInput("no-tty", ("new", "proj"), "pass --defaults or --data-file"),
    BadInput("no-tty-with-set", ("new", "proj", "--set", "ci=none"), "pass --defaults"),
    # templates
    BadInput("template-missing", new("--template", "{area}/nowhere"), "not found"),
    BadInput(
        "template-without-copier-yml",
        new(*TINY),
        "no copier.yml",
        setup=with_committed_files({"README.md": "hello\n"}),
    ),
    BadInput(
        "template-plain-folder",
        new(*TINY),
        "is a plain folder, not a git repository, so a project made from it could never be updated",
        setup=lambda area: make_template(area / "tpl") and None,
    ),
    BadInput(
        "template-a-file",
        new("--template", "file://{area}/tpl.txt"),
        "is a file git cannot read as a template (a bundle is named by its plain path",
        setup=lambda area: (area / "tpl.txt").write_text("not a template\n") and None,
    ),
    BadInput(
        "template-untagged",
        new(*TINY),
        "has no version tag (PEP 440, such as 1.0.0 or v1.0.0), so a project made from it could"
        " never be updated",
        setup=lambda area: commit_all(make_template(area / "tpl"), "untagged"),
    ),
    BadInput(
        "ref-not-a-version",
        new(*TINY, "--ref", "agency-2026.1"),
        "--ref agency-2026.1 is not a version tag of the template",
        setup=lambda area: commit_all(make_template(area / "tpl"), "1", tag="agency-2026.1"),
    ),
    BadInput(
        "ref-no-commit",
        new(*TINY, "--ref", "nosuchbranch"),
        "--ref nosuchbranch is not a version tag of the template {area}/tpl"
        " (its version tags: 1.0.0)",
        setup=with_template(),
    ),
    BadInput("ref-unknown", new(*TINY, "--ref", "9.9.9"), "9.9.9", setup=with_git_template),
    BadInput(
        "template-yaml-broken",
        new(*TINY),
        "not valid YAML",
        setup=with_committed_files({"copier.yml": "a: [\n"}),
    ),
    BadInput(
        "template-tasks-untrusted",
        new(*TINY),
        "pass --trust",
        setup=with_template(settings={"_tasks": ["touch task-ran"]}),
    ),
    BadInput(
        "template-own-validator",
        new(*TINY, "--set", "flavour=fancy"),
        "The template refused flavour: not today",
        setup=with_template(
            questions={
                **TINY_QUESTIONS,
                "flavour": {
                    "type": "str",
                    "choices": ["plain", "fancy"],
                    "default": "plain",
                    "validator": "{% if flavour == 'fancy' %}not today{% endif %}",
                },
            }
        ),
    ),
    BadInput(
        "template-render-error",
        new(*TINY),
        "Rendering the template failed",
        code=3,
        setup=with_template(files={"broken.txt.jinja": "{{ nope.nothing }}\n", "ok.txt": "x\n"}),
    ),
    # update: not a project, not git, dirty, corrupt answers, bad versions
    BadInput("update-missing-path", ("update", "nowhere"), "does not exist; give the folder"),
    BadInput(
        "update-a-file",
        ("update", "notes.txt"),
        "is a file; give the folder",
        setup=with_file("notes.txt", "hello\n"),
    ),
    BadInput(
        "update-not-generated-not-git",
        ("update", "plain"),
        "no .copier-answers.yml); give the folder that holds that file",
        setup=with_plain_folder,
    ),
    BadInput(
        "update-answers-outside-git",
        ("update", "loose"),
        "commit it first",
        setup=with_answers_outside_git,
    ),
    BadInput(
        "update-git-repo-not-generated",
        ("update", "repo"),
        "give the folder that holds that file",
        setup=with_git_repo_without_answers,
    ),
    BadInput(
        "update-dirty-modified",
        ("update", PROJ),
        "uncommitted changes (README.md); commit or stash",
        setup=with_project(change=edit_readme, commit=False),
    ),
    BadInput(
        "update-dirty-untracked",
        ("update", PROJ),
        "uncommitted changes (app/scratch.py)",
        setup=with_project(change=add_scratch, commit=False),
    ),
    BadInput(
        "update-dirty-staged",
        ("update", PROJ),
        "uncommitted changes (TODO.md)",
        setup=with_project(change=stage_new_file, commit=False),
    ),
    BadInput(
        "update-answers-not-yaml",
        ("update", PROJ),
        "not valid YAML",
        setup=with_project(change=answers_file("_src_path: [unclosed\n")),
    ),
    BadInput(
        "update-answers-not-mapping",
        ("update", PROJ),
        "must be a mapping of answers; restore it from git",
        setup=with_project(change=answers_file("- just\n- a list\n")),
    ),
    BadInput(
        "update-answers-no-commit",
        ("update", PROJ),
        "records no template version (no _commit), as copier writes for a template that is a"
        " plain folder",
        setup=with_project(change=answers_file("_src_path: /somewhere\nproject_name: X\n")),
    ),
    BadInput(
        "update-answers-no-src-path",
        ("update", PROJ),
        "no _src_path; restore it from git",
        setup=with_project(change=answers_file("_commit: 1.0.0\nproject_name: X\n")),
    ),
    BadInput(
        "update-answers-commit-hash",
        ("update", PROJ),
        "is not a template version (the template had no version tag when the project was made)",
        setup=with_project(change=answers_file("_src_path: /x\n_commit: 4f2a9c1\n")),
    ),
    BadInput(
        "update-to-unknown-version",
        ("update", PROJ, "--to", "9.9.9"),
        "known: 1.0.0, 2.0.0); pass one of those.",
        setup=with_project(),
    ),
    BadInput(
        "update-to-not-a-version",
        ("update", PROJ, "--to", "latest-and-greatest"),
        "is not a version of template",
        setup=with_project(),
    ),
    BadInput(
        "update-downgrade",
        ("update", PROJ, "--to", "1.0.0"),
        "downgrades are not supported, so pass --to 2.0.0 or newer",
        setup=with_project("2.0.0"),
    ),
    BadInput(
        "update-to-and-ref-disagree",
        ("update", PROJ, "--to", "2.0.0", "--ref", "1.0.0"),
        "give only one of them",
        setup=with_project(),
    ),
    BadInput(
        "update-other-template",
        ("update", PROJ, "--template", "{area}/plain"),
        "pass --move as well",
        setup=lambda area: with_project()(area) or with_plain_folder(area),
    ),
    BadInput(
        "update-template-gone",
        ("update", PROJ),
        "does not appear to be a git repository); make it reachable again",
        code=3,
        setup=move_template_away,
    ),
    # check: paths that are not projects (exit 2; good projects in the same run still reported)
    BadInput("check-missing-path", ("check", "nowhere"), "does not exist; give the folder"),
    BadInput(
        "check-a-file",
        ("check", "notes.txt"),
        "is a file; give the folder",
        setup=with_file("notes.txt", "hello\n"),
    ),
    BadInput(
        "check-plain-folder",
        ("check", "plain"),
        "no .copier-answers.yml); give the folder that holds that file",
        setup=with_plain_folder,
    ),
    BadInput(
        "check-good-and-missing",
        ("check", PROJ, "{area}/gone"),
        "gone does not exist",
        setup=with_project("2.0.0"),
    ),
    BadInput(
        "check-good-and-plain",
        ("check", PROJ, "plain"),
        "no .copier-answers.yml",
        setup=lambda area: with_project()(area) or with_plain_folder(area),
    ),
    BadInput(
        "check-corrupt-answers",
        ("check", PROJ),
        "must be a mapping of answers",
        setup=with_project(change=answers_file("42\n")),
    ),
    BadInput(
        "check-ref-unknown",
        ("check", PROJ, "--ref", "7.0"),
        "give one of its tags to --ref",
        setup=with_project(),
    ),
    BadInput(
        "check-template-gone",
        ("check", PROJ),
        "correct _src_path",
        setup=move_template_away,
    ),
]


@pytest.mark.parametrize("case", CATALOG, ids=[case.id for case in CATALOG])
def test_bad_input_gets_one_sentence_and_changes_nothing(
    case: BadInput, tmp_path: Path, stock_questions: str
) -> None:
    area = tmp_path / "area with space"
    area.mkdir()
    if case.setup:
        case.setup(area)
    before = snapshot(area)
    args = [
        arg.replace("{area}", str(area)).replace("{stock}", stock_questions) for arg in case.args
    ]

    result = run_cli(args, cwd=area)

    assert result.exit_code == case.code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert case.says.replace("{area}", str(area)) in lines[0]
    assert snapshot(area) == before


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Setups commit generated projects: give git an identity whatever the machine has."""
    for key, value in {
        "GIT_AUTHOR_NAME": "Owner",
        "GIT_AUTHOR_EMAIL": "owner@example.com",
        "GIT_COMMITTER_NAME": "Owner",
        "GIT_COMMITTER_EMAIL": "owner@example.com",
    }.items():
        monkeypatch.setenv(key, value)


def test_catalog_covers_every_command_with_unique_ids() -> None:
    assert {case.args[0] for case in CATALOG} == {"new", "update", "check"}
    assert len({case.id for case in CATALOG}) == len(CATALOG)


def test_destination_inside_the_generator_checkout_is_refused() -> None:
    dest = REPO_ROOT / "generated-here-by-a-test"
    result = run_cli(["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert "inside the template's own folder" in result.stderr
    assert not dest.exists()


def test_new_without_git_says_to_install_it_even_with_no_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    """--no-git skips only the commit; templates are read with git: the answer is install git."""
    area = tmp_path / "area"
    area.mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))

    result = run_cli(["new", "proj", "--defaults", "--no-git", "--template", stock_questions], area)

    assert result.exit_code == 3, result.output
    assert result.stderr.splitlines() == [
        "Error: git is not installed; install git, which mvpscaffold needs."
    ]
    assert not any(area.iterdir())
