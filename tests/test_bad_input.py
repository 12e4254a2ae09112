"""A catalog of bad inputs: each gets one sentence on stderr, its documented exit code,
no traceback, and leaves the files around it exactly as they were.

To add a case, append a BadInput to CATALOG (other commands' cases welcome: `update`, `check`).
Arguments may use {area}, the scratch folder the command runs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import (
    TINY_QUESTIONS,
    commit_all,
    make_template,
    run_cli,
    snapshot,
)

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BadInput:
    """One bad command line, what to prepare before it, and what it must answer."""

    id: str
    args: tuple[str, ...]
    says: str
    code: int = 2
    setup: Callable[[Path], None] | None = None


def new(*extra: str, dest: str = "proj") -> tuple[str, ...]:
    """`new proj --defaults` plus extra arguments."""
    return ("new", dest, "--defaults", *extra)


def with_file(name: str, text: str) -> Callable[[Path], None]:
    """Setup: write a file into the area."""
    return lambda area: (area / name).write_text(text, encoding="utf-8") and None


def with_template(**kwargs: object) -> Callable[[Path], None]:
    """Setup: a tiny template at {area}/tpl."""
    return lambda area: make_template(area / "tpl", **kwargs) and None  # type: ignore[arg-type]


def with_git_template(area: Path) -> None:
    """Setup: a tiny template at {area}/tpl that is a git repository tagged 1.0.0."""
    commit_all(make_template(area / "tpl"), "template 1.0.0", tag="1.0.0")


def with_nonempty_dir(area: Path) -> None:
    """Setup: {area}/proj holds a file."""
    (area / "proj").mkdir()
    (area / "proj" / "keep.txt").write_text("mine\n", encoding="utf-8")


TINY = ("--template", "{area}/tpl")
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
    BadInput("name-quote", new("--set", 'project_name=say "hi"'), "double quotes"),
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
        "yaml-unknown-key",
        new("--data-file", "a.yml"),
        "Unknown answer key",
        setup=with_file("a.yml", "project_name: Shop\ncolor: red\n"),
    ),
    BadInput("yaml-missing", new("--data-file", "nope.yml"), "not found"),
    BadInput(
        "yaml-is-a-folder",
        new("--data-file", "d"),
        "not found",
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
        setup=lambda area: (area / "tpl").mkdir(),
    ),
    BadInput(
        "ref-on-plain-folder",
        new(*TINY, "--ref", "1.0.0"),
        "needs a git template",
        setup=with_template(),
    ),
    BadInput("ref-unknown", new(*TINY, "--ref", "9.9.9"), "9.9.9", setup=with_git_template),
    BadInput(
        "template-yaml-broken",
        new(*TINY),
        "not valid YAML",
        setup=lambda area: (area / "tpl").mkdir() or with_file("tpl/copier.yml", "a: [\n")(area),
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
        "refused the answers",
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
]


@pytest.mark.parametrize("case", CATALOG, ids=[case.id for case in CATALOG])
def test_bad_input_gets_one_sentence_and_changes_nothing(case: BadInput, tmp_path: Path) -> None:
    area = tmp_path / "area with space"
    area.mkdir()
    if case.setup:
        case.setup(area)
    before = snapshot(area)

    result = run_cli([arg.replace("{area}", str(area)) for arg in case.args], cwd=area)

    assert result.exit_code == case.code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert case.says in lines[0]
    assert snapshot(area) == before


def test_catalog_is_large_and_ids_are_unique() -> None:
    assert len(CATALOG) >= 30
    assert len({case.id for case in CATALOG}) == len(CATALOG)


def test_destination_inside_the_generator_checkout_is_refused() -> None:
    dest = REPO_ROOT / "generated-here-by-a-test"
    result = run_cli(["new", str(dest), "--defaults"])
    assert result.exit_code == 2
    assert "inside the template's own folder" in result.stderr
    assert not dest.exists()
