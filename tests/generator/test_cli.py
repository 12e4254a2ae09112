"""`mvpscaffold new` end to end, in-process: rendering, answers, git, templates, paths."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from generated import Renders
from helpers import (
    commit_all,
    git,
    make_release,
    make_template,
    read_answers,
    run_cli,
    snapshot,
    template_leftovers,
)

from mvpscaffold import __version__


@pytest.fixture(autouse=True)
def _no_git_identity(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests run as on a fresh machine: no global or system git identity."""
    empty = tmp_path_factory.mktemp("gitconfig") / "config"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"mvpscaffold {__version__} (copier ")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["new", "--help"], ["new", "-h"]])
def test_help_has_an_example(args: list[str]) -> None:
    result = run_cli(args)
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "mvpscaffold new my-app" in result.stdout


def test_defaults_render_a_committed_project(renders: Renders) -> None:
    result = renders.new("shop", "--defaults")  # in an empty folder, with no git identity

    assert result.exit_code == 0, result.stdout + result.stderr
    project = result.folder / "shop"
    answers = read_answers(project)
    assert answers["project_name"] == "Shop"  # named after its folder
    assert answers["project_slug"] == "shop"
    assert answers["package_name"] == "shop"
    assert answers["author_name"] == "Your Name"  # no git identity on this "machine"
    assert answers["database"] == "sqlite"
    assert answers["_src_path"] == "~/.cache/mvpscaffold/template.bundle"
    assert template_leftovers(project) == []
    assert git(["rev-list", "--count", "HEAD"], project).strip() == "1"
    assert git(["status", "--porcelain"], project) == ""
    assert (
        git(["log", "-1", "--format=%an <%ae>"], project).strip() == "Your Name <you@example.com>"
    )
    assert "cd shop" in result.stdout and "make check" in result.stdout
    assert [p.name for p in result.folder.iterdir()] == ["shop"]  # no staging folder left behind


@pytest.mark.parametrize(
    ("dest", "how", "named"),
    [
        ("my-shop", ["--defaults"], ("My Shop", "my-shop", "my_shop")),
        ("clients/my_shop", ["--defaults", "--set", "ci=none"], ("My Shop", "my-shop", "my_shop")),
        ("acme-crm", ["--data-file", "answers.yml"], ("Acme Crm", "acme-crm", "acme_crm")),
        ("Café", ["--defaults", "--set", "project_slug=kaffee"], ("Café", "kaffee", "kaffee")),
    ],
)
def test_the_project_is_named_after_its_folder(
    tmp_path: Path, dest: str, how: list[str], named: tuple[str, str, str], stock_questions: str
) -> None:
    (tmp_path / "answers.yml").write_text("database: postgresql\n", encoding="utf-8")

    result = run_cli(
        [
            "new",
            "--template",
            stock_questions,
            dest,
            *how,
            "--no-git",
        ],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no note: the folder's name was usable
    answers = read_answers(tmp_path / dest)
    assert (answers["project_name"], answers["project_slug"], answers["package_name"]) == named
    assert (tmp_path / dest / named[2] / "__init__.py").is_file()
    assert result.stdout.startswith(f"Created {named[0]} in ")


@pytest.mark.parametrize("dest", ["123", "./---", "日本", "json"])
def test_a_folder_name_that_makes_no_valid_name_leaves_the_template_default(
    tmp_path: Path, dest: str, stock_questions: str
) -> None:
    result = run_cli(
        [
            "new",
            "--template",
            stock_questions,
            dest,
            "--defaults",
            "--no-git",
        ],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / dest)
    assert (answers["project_name"], answers["package_name"]) == ("My App", "my_app")
    assert result.stdout.startswith("Created My App in ")  # the name chosen, said first


def test_a_name_given_anywhere_wins_over_the_folder(tmp_path: Path, stock_questions: str) -> None:
    (tmp_path / "answers.yml").write_text("project_name: From File\n", encoding="utf-8")

    new = ["new", "--template", stock_questions, "--no-git"]
    from_file = run_cli([*new, "a", "--data-file", "answers.yml"], cwd=tmp_path)
    from_set = run_cli([*new, "b", "--defaults", "--set", "project_name=Set"], cwd=tmp_path)
    unusable = run_cli([*new, "123", "--defaults", "--set", "project_name=Tally"], cwd=tmp_path)

    for result in (from_file, from_set, unusable):
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
    assert read_answers(tmp_path / "a")["package_name"] == "from_file"
    assert read_answers(tmp_path / "b")["project_name"] == "Set"
    assert read_answers(tmp_path / "123")["package_name"] == "tally"


def test_git_identity_is_the_default_author(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Ana Lima\n\temail = ana@example.org\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))

    result = run_cli(
        [
            "new",
            "--template",
            stock_questions,
            "p",
            "--defaults",
            "--no-git",
            "-q",
        ],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "p")
    assert (answers["author_name"], answers["author_email"]) == ("Ana Lima", "ana@example.org")


def test_data_file_then_set_wins(tmp_path: Path, stock_questions: str) -> None:
    data = {
        "project_name": "Agency Client",
        "database": "postgresql",
        "ci": "gitlab",
        "error_tracking": True,
        "_src_path": "ignored: copier metadata from a previous answers file",
    }
    (tmp_path / "answers.yml").write_text(yaml.safe_dump(data), encoding="utf-8")

    settings = ["--set", "ci=none", "--set", "metrics=yes", "--no-git"]
    new = ["new", "--template", stock_questions, "client", "--data-file", "answers.yml"]
    result = run_cli([*new, *settings], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "client")
    assert answers["project_name"] == "Agency Client"  # the file's, not the folder's
    assert answers["project_slug"] == "agency-client"
    assert answers["database"] == "postgresql"
    assert answers["ci"] == "none"
    assert answers["error_tracking"] is True
    assert answers["metrics"] is True
    assert answers["jobs"] == "embedded"


def test_no_git_leaves_no_repository(tmp_path: Path, stock_questions: str) -> None:
    new = ["new", "p", "--template", stock_questions, "--defaults", "--no-git", "--quiet"]
    result = run_cli(new, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert (tmp_path / "p" / "README.md").is_file()
    assert not (tmp_path / "p" / ".git").exists()


def test_local_folder_template(tmp_path: Path) -> None:
    template = make_release(tmp_path / "tpl")

    result = run_cli(
        ["new", "out", "--template", str(template), "--defaults", "--set", "loud=true"],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "README.md").read_text() == "# Out (plain)\n"
    assert (tmp_path / "out" / "out" / "__init__.py").read_text().endswith("LOUD = True\n")
    assert git(["rev-list", "--count", "HEAD"], tmp_path / "out").strip() == "1"


def test_relative_template_path_is_recorded_absolute(tmp_path: Path) -> None:
    template = make_release(tmp_path / "templates" / "tiny")

    result = run_cli(["new", "out", "--template", "templates/tiny", "--defaults"], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "out")["_src_path"] == str(template.resolve())


def test_git_template_at_a_ref(tmp_path: Path) -> None:
    template = make_template(tmp_path / "tpl")
    commit_all(template, "1.0.0", tag="1.0.0")
    (template / "template" / "README.md.jinja").write_text("# {{ project_name }} v2\n")
    commit_all(template, "2.0.0", tag="2.0.0")

    old = run_cli(["new", "old", "--template", str(template), "--ref", "1.0.0", "--defaults"],
                  cwd=tmp_path)  # fmt: skip
    newest = run_cli(["new", "newest", "--template", str(template), "--defaults"], cwd=tmp_path)

    assert old.exit_code == 0, old.output
    assert newest.exit_code == 0, newest.output
    assert (tmp_path / "old" / "README.md").read_text() == "# Old (plain)\n"
    assert (tmp_path / "newest" / "README.md").read_text() == "# Newest v2\n"
    assert read_answers(tmp_path / "old")["_commit"] == "1.0.0"
    assert read_answers(tmp_path / "newest")["_commit"] == "2.0.0"


def test_git_url_template_is_read_from_a_clone(tmp_path: Path) -> None:
    work = make_template(tmp_path / "work")
    commit_all(work, "1.0.0", tag="1.0.0")
    bare = tmp_path / "tiny.git"
    git(["clone", "--quiet", "--bare", str(work), str(bare)], tmp_path)
    url = f"git+file://{bare}"

    result = run_cli(["new", "out", "--template", url, "--defaults", "--set", "flavour=fancy"],
                     cwd=tmp_path)  # fmt: skip
    refused = run_cli(["new", "bad", "--template", url, "--defaults", "--set", "flavour=odd"],
                      cwd=tmp_path)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "README.md").read_text() == "# Out (fancy)\n"
    assert read_answers(tmp_path / "out")["_src_path"] == url
    assert refused.exit_code == 2 and "plain, fancy" in refused.stderr


def test_question_added_at_a_ref_is_validated_against_that_ref(tmp_path: Path) -> None:
    template = make_template(tmp_path / "tpl")
    commit_all(template, "1.0.0", tag="1.0.0")
    config = yaml.safe_load((template / "copier.yml").read_text())
    config["colour"] = {"type": "str", "choices": ["red", "blue"], "default": "red"}
    (template / "copier.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    commit_all(template, "2.0.0", tag="2.0.0")
    args = ["--template", str(template), "--defaults", "--set", "colour=blue", "--no-git"]

    at_v1 = run_cli(["new", "a", "--ref", "1.0.0", *args], cwd=tmp_path)
    at_v2 = run_cli(["new", "b", *args], cwd=tmp_path)

    assert at_v1.exit_code == 2 and "Unknown answer key 'colour'" in at_v1.stderr
    assert at_v2.exit_code == 0, at_v2.output
    assert read_answers(tmp_path / "b")["colour"] == "blue"


def test_existing_empty_destination_is_filled_in_place(
    tmp_path: Path, stock_questions: str
) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    inode = dest.stat().st_ino

    result = run_cli(["new", ".", "--template", stock_questions, "--defaults", "-q"], cwd=dest)

    assert result.exit_code == 0, result.output
    assert dest.stat().st_ino == inode  # the same folder (maybe the user's shell is in it)
    assert read_answers(dest)["project_name"] == "Empty"  # `new .` takes the current folder's name
    assert (dest / ".copier-answers.yml").is_file()
    assert git(["status", "--porcelain"], dest) == ""
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no staging folder left


def test_spaces_in_paths_and_missing_parents(tmp_path: Path) -> None:
    template = make_release(tmp_path / "my templates" / "tiny one")

    result = run_cli(
        ["new", "clients/new client", "--template", str(template), "--defaults"], cwd=tmp_path
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "clients" / "new client" / "README.md").is_file()
    assert "cd 'clients/new client'" in result.stdout


def test_failure_removes_the_parents_it_created(tmp_path: Path) -> None:
    template = make_release(tmp_path / "tpl", files={"x.jinja": "{{ undefined.attr }}"})
    before = snapshot(tmp_path)

    result = run_cli(["new", "a/b/c", "--template", str(template), "--defaults"], cwd=tmp_path)

    assert result.exit_code == 3
    assert snapshot(tmp_path) == before


def test_non_ascii_name(tmp_path: Path, stock_questions: str) -> None:
    result = run_cli(
        [
            "new",
            "--template",
            stock_questions,
            "café",
            "--defaults",
            "--no-git",
            "--set",
            "project_name=Café Ünïcode",
        ],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "café")
    assert (answers["project_slug"], answers["package_name"]) == ("cafe-unicode", "cafe_unicode")
    assert (tmp_path / "café" / "cafe_unicode" / "__init__.py").is_file()
    assert "Café Ünïcode" in (tmp_path / "café" / "README.md").read_text(encoding="utf-8")


def test_name_without_ascii_letters_works_with_an_explicit_slug(
    tmp_path: Path, stock_questions: str
) -> None:
    names = ["--set", "project_name=日本", "--set", "project_slug=nihon"]
    new = ["new", "--template", stock_questions, "jp", "--defaults", "--no-git"]
    result = run_cli([*new, *names], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "jp")["package_name"] == "nihon"
