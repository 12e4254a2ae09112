"""The user's defaults file (agency presets): used by --defaults and the questions, overridable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from helpers import make_release, read_answers, run_cli, snapshot

AGENCY = {
    "author_name": "Agência Açaí",
    "author_email": "dev@acme.example",
    "license": "Apache-2.0",
    "ci": "gitlab",
}


@pytest.fixture(autouse=True)
def _a_git_identity_to_override(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A git identity that the defaults file must win over."""
    config = tmp_path_factory.mktemp("gitconfig") / "config"
    config.write_text("[user]\n\tname = Git Person\n\temail = git@example.org\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")


def _defaults_file(folder: Path, data: object, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = folder / "agency defaults.yml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", str(path))
    return path


def test_defaults_file_answers_what_the_agency_always_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    _defaults_file(tmp_path, AGENCY, monkeypatch)

    result = run_cli(
        ["new", "--template", stock_questions, "client", "--defaults", "--no-git", "-q"],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "client")
    assert {key: answers[key] for key in AGENCY} == AGENCY  # over git's identity too
    assert answers["database"] == "sqlite"  # the template's default for the rest
    assert "Agência Açaí" in (tmp_path / "client" / "LICENSE").read_text(encoding="utf-8")


def test_data_file_and_set_win_over_the_defaults_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    _defaults_file(tmp_path, AGENCY, monkeypatch)
    (tmp_path / "client.yml").write_text("license: MIT\nci: github\n", encoding="utf-8")

    result = run_cli(
        [
            "new",
            "--template",
            stock_questions,
            "client",
            "--data-file",
            "client.yml",
            "--set",
            "ci=none",
            "--no-git",
            "-q",
        ],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "client")
    assert answers["ci"] == "none"  # --set > --data-file
    assert answers["license"] == "MIT"  # --data-file > defaults file
    assert answers["author_name"] == "Agência Açaí"  # defaults file > git identity


def test_a_name_in_the_defaults_file_wins_over_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    _defaults_file(tmp_path, {"project_name": "Client Portal"}, monkeypatch)

    result = run_cli(
        ["new", "--template", stock_questions, "client", "--defaults", "--no-git", "-q"],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    answers = read_answers(tmp_path / "client")
    assert (answers["project_name"], answers["package_name"]) == ("Client Portal", "client_portal")


def test_default_location_is_the_user_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    monkeypatch.delenv("MVPSCAFFOLD_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "config" / "mvpscaffold").mkdir(parents=True)
    (tmp_path / "config" / "mvpscaffold" / "defaults.yml").write_text("license: BSD-3-Clause\n")

    result = run_cli(
        ["new", "--template", stock_questions, "p", "--defaults", "--no-git", "-q"], cwd=tmp_path
    )

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "p")["license"] == "BSD-3-Clause"


def test_no_defaults_file_at_the_default_location_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    monkeypatch.delenv("MVPSCAFFOLD_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing-here"))
    result = run_cli(
        ["new", "--template", stock_questions, "p", "--defaults", "--no-git", "-q"], cwd=tmp_path
    )
    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "p")["license"] == "MIT"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (
            {"_templates": {"THIS TEMPLATE": {"colour": "blue"}}},
            "Unknown answer key 'colour'",
        ),
        ({"_templates": ["gh:acme/template"]}, "_templates must map template sources to answers"),
        ({"license": "GPL-3.0"}, "license must be one of"),
        ({"author_email": "nobody"}, "author_email must look like name@example.com"),
        ({"metrics": "perhaps"}, "must be true or false"),
        ({"project_slug": "json"}, "standard library"),
        ("license: [MIT\n", "is not valid YAML at line"),
        ("- MIT\n- gitlab\n", "must be a YAML mapping"),
    ],
    ids=[
        "unknown-key-in-own-section",
        "sections-not-a-mapping",
        "bad-choice",
        "bad-email",
        "bad-bool",
        "bad-slug",
        "not-yaml",
        "list",
    ],
)
def test_invalid_defaults_file_is_one_sentence_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: object,
    says: str,
    stock_questions: str,
) -> None:
    area = tmp_path / "area"
    area.mkdir()
    if isinstance(content, dict) and isinstance(content.get("_templates"), dict):
        content = {"_templates": {stock_questions: content["_templates"]["THIS TEMPLATE"]}}
    path = _defaults_file(tmp_path, content, monkeypatch)
    before = snapshot(area)

    result = run_cli(["new", "--template", stock_questions, "client", "--defaults"], cwd=area)

    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(path) in lines[0] and says in lines[0]
    assert snapshot(area) == before


def test_answers_to_questions_a_template_does_not_ask_are_left_out_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stock_questions: str
) -> None:
    path = _defaults_file(tmp_path, {**AGENCY, "hosting": "fly", "colour": "blue"}, monkeypatch)

    result = run_cli(
        ["new", "--template", stock_questions, "client", "--defaults", "--no-git"], cwd=tmp_path
    )

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "client")["license"] == AGENCY["license"]
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [
        f"Note: Your defaults file {path} answers questions this template does not ask"
        " (colour, hosting); they were left out."
    ]


def test_a_templates_section_answers_for_that_template_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = make_release(tmp_path / "tiny")
    sections = {
        str(tiny): {"flavour": "fancy"},
        "~/.cache/mvpscaffold/template.bundle": {"ci": "none", "license": "MIT"},
    }
    _defaults_file(tmp_path, {**AGENCY, "_templates": sections}, monkeypatch)

    forked = run_cli(["new", "a", "--template", f"file://{tiny}", "--defaults", "-q"], tmp_path)
    stock = run_cli(["new", "b", "--defaults", "--no-git", "-q"], cwd=tmp_path)

    assert forked.exit_code == 0, forked.output
    assert read_answers(tmp_path / "a")["flavour"] == "fancy"
    assert stock.exit_code == 0, stock.output
    answers = read_answers(tmp_path / "b")
    assert (answers["ci"], answers["license"]) == ("none", "MIT")  # its section wins
    assert answers["author_name"] == AGENCY["author_name"]  # shared answers still apply


def test_missing_file_named_by_the_variable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", str(tmp_path / "typo.yml"))
    result = run_cli(["new", "client", "--defaults"], cwd=tmp_path)
    assert result.exit_code == 2
    assert "MVPSCAFFOLD_CONFIG names" in result.stderr and "typo.yml" in result.stderr
    assert not (tmp_path / "client").exists()


def test_help_of_new_mentions_the_defaults_file() -> None:
    result = run_cli(["new", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "defaults.yml" in text and "MVPSCAFFOLD_CONFIG" in text


def test_questions_show_the_defaults_file_and_enter_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = make_release(tmp_path / "tpl")
    _defaults_file(tmp_path, {"flavour": "fancy", "loud": True}, monkeypatch)
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mvpscaffold", "new", "out", "--template", str(template), "--no-git", "-q"],
        cwd=str(tmp_path), env=env, encoding="utf-8", dimensions=(40, 160), timeout=30,
    )  # fmt: skip
    for question in ("Name", "Slug", "Package"):
        child.expect(question)
        child.send("\r")
    child.expect("Style")
    child.expect("fancy")
    child.send("\r")
    child.expect("Shout")
    child.expect(r"\(Y/n\)")  # the defaults file's true is the default
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0, child.before
    assert (tmp_path / "out" / "README.md").read_text() == "# Out (fancy)\n"
    assert (tmp_path / "out" / "out" / "__init__.py").read_text().endswith("LOUD = True\n")
