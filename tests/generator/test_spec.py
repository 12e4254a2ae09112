"""Reading a template's copier.yml into questions, from a folder or from a git ref."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import commit_all, make_template

from mvpscaffold.answers import Question
from mvpscaffold.errors import UserInputError
from mvpscaffold.spec import load_spec, parse_spec

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_real_contract_is_read_in_order() -> None:
    questions = parse_spec((REPO_ROOT / "copier.yml").read_text(encoding="utf-8"), "copier.yml")
    names = [question.name for question in questions]
    assert names[:3] == ["project_name", "project_slug", "package_name"]
    assert {"database", "jobs", "ci", "license", "error_tracking", "metrics"} <= set(names)
    by_name = {question.name: question for question in questions}
    assert by_name["database"].choice_values == ("sqlite", "postgresql")
    assert by_name["metrics"].type == "bool"
    assert by_name["project_slug"].default_is_template
    assert all(question.help for question in questions)


def test_copier_question_forms() -> None:
    text = """
_subdirectory: template
simple: 3
flag: true
labelled:
  choices:
    Small one: s
    Large one: l
  default: s
pairs:
  type: str
  choices: [[First, one], [Second, two]]
included: !include other.yml
_secret_questions: [token]
token: abc
pin:
  secret: true
  default: "1234"
"""
    questions = {question.name: question for question in parse_spec(text, "copier.yml")}
    assert "_subdirectory" not in questions
    assert questions["simple"] == Question("simple", type="int", default=3)
    assert questions["flag"].type == "bool"
    assert questions["labelled"].choices == (("Small one", "s"), ("Large one", "l"))
    assert questions["pairs"].choice_values == ("one", "two")
    assert questions["token"].secret and questions["pin"].secret
    assert not questions["simple"].secret
    assert "included" in questions  # copier's own tags do not break reading


@pytest.mark.parametrize("text", ["a: [", "- a\n- b\n", "just text"])
def test_unreadable_copier_yml(text: str) -> None:
    with pytest.raises(UserInputError, match=r"copier\.yml"):
        parse_spec(text, "copier.yml")


def test_git_template_is_read_at_its_newest_release_or_the_given_ref(tmp_path: Path) -> None:
    template = make_template(tmp_path / "tpl", questions={"a": {"default": 1}})
    commit_all(template, "1.0.0", tag="1.0.0")
    make_template(template, questions={"a": {"default": 1}, "b": {"default": 2}})
    commit_all(template, "2.0.0", tag="2.0.0")
    make_template(template, questions={"a": {"default": 1}, "b": {"default": 2}, "c": {}})
    commit_all(template, "unreleased", tag="3.0.0a1")  # a prerelease is not picked by default

    newest = load_spec(str(template), None)
    first = load_spec(str(template), "1.0.0")

    assert newest.vcs_ref == "2.0.0"
    assert [question.name for question in newest.questions] == ["a", "b"]
    assert [question.name for question in first.questions] == ["a"]
