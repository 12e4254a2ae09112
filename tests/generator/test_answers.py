"""Answers as users give them: the questions read, --set and files typed, refusals worded."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import commit_all, make_template

from mvpscaffold.errors import UserInputError
from mvpscaffold.templates.answers import (
    Question,
    check_given,
    coerce,
    parse_assignment,
    parse_questions,
    refusal,
)
from mvpscaffold.templates.versions import template_questions

REPO_ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = (
    Question("project_name"),
    Question("database", choices=("sqlite", "postgresql")),
    Question("metrics", type="bool"),
    Question("workers", type="int"),
)


def test_the_real_questions_are_read_in_order_without_the_computed_ones() -> None:
    questions = parse_questions(
        (REPO_ROOT / "copier.yml").read_text(encoding="utf-8"), "copier.yml"
    )
    names = [question.name for question in questions]
    assert names[:3] == ["project_name", "project_slug", "package_name"]
    assert {"database", "jobs", "ci", "license", "error_tracking", "metrics"} <= set(names)
    assert "extras" not in names  # `when: false`: copier computes it, nobody answers it
    by_name = {question.name: question for question in questions}
    assert by_name["database"].choices == ("sqlite", "postgresql")
    assert by_name["metrics"].type == "bool"


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
"""
    questions = {question.name: question for question in parse_questions(text, "copier.yml")}
    assert "_subdirectory" not in questions
    assert questions["simple"] == Question("simple", type="int")
    assert questions["flag"].type == "bool"
    assert questions["labelled"].choices == ("s", "l")
    assert questions["pairs"].choices == ("one", "two")
    assert "included" in questions  # copier's own tags do not break reading


@pytest.mark.parametrize("text", ["a: [", "- a\n- b\n", "just text"])
def test_unreadable_copier_yml(text: str) -> None:
    with pytest.raises(UserInputError, match=r"copier\.yml"):
        parse_questions(text, "copier.yml")


def test_a_git_template_is_read_at_its_newest_release_or_the_given_ref(tmp_path: Path) -> None:
    template = make_template(tmp_path / "tpl", questions={"a": {"default": 1}})
    commit_all(template, "1.0.0", tag="1.0.0")
    make_template(template, questions={"a": {"default": 1}, "b": {"default": 2}})
    commit_all(template, "2.0.0", tag="2.0.0")
    make_template(template, questions={"a": {"default": 1}, "b": {"default": 2}, "c": {}})
    commit_all(template, "unreleased", tag="3.0.0a1")  # a prerelease is not picked by default

    newest, tag = template_questions(str(template), None)
    first, _ = template_questions(str(template), "1.0.0")

    assert tag == "2.0.0"
    assert [question.name for question in newest] == ["a", "b"]
    assert [question.name for question in first] == ["a"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("YES", True), ("1", True), ("on", True), ("no", False), (0, False)],
)
def test_bool_words(raw: object, value: bool) -> None:
    assert coerce(Question("flag", type="bool"), raw) is value


def test_bool_refuses_other_words_that_copier_would_take_for_true() -> None:
    with pytest.raises(UserInputError, match="true or false"):
        coerce(Question("flag", type="bool"), "maybe")


@pytest.mark.parametrize("raw", [123, ["a"], {"a": 1}, True])
def test_text_questions_need_text(raw: object) -> None:
    with pytest.raises(UserInputError, match="must be text"):
        coerce(Question("project_name"), raw)


@pytest.mark.parametrize("kind", ["str", "bool", "int"])
def test_an_empty_answer_is_refused_as_empty(kind: str) -> None:
    with pytest.raises(UserInputError, match="The answer for x is empty; give it a value"):
        coerce(Question("x", kind), None)


def test_numbers_are_parsed_and_checked() -> None:
    assert coerce(Question("n", type="int"), " 42 ") == 42
    assert coerce(Question("f", type="float"), "1.5e3") == 1500.0
    for raw in ("4.2", True):
        with pytest.raises(UserInputError, match="whole number"):
            coerce(Question("n", type="int"), raw)


def test_choices_unknown_keys_and_types_are_checked_together() -> None:
    assert check_given(QUESTIONS, {"metrics": "yes", "workers": "3"}) == {
        "metrics": True,
        "workers": 3,
    }
    with pytest.raises(UserInputError, match=r"database must be one of: sqlite, postgresql"):
        check_given(QUESTIONS, {"database": "mysql"})
    with pytest.raises(UserInputError, match=r"Unknown answer key 'colour'.*project_name"):
        check_given(QUESTIONS, {"colour": "blue"})


@pytest.mark.parametrize("item", ["novalue", "=x", "  =x"])
def test_set_needs_key_and_equals(item: str) -> None:
    with pytest.raises(UserInputError, match="KEY=VALUE"):
        parse_assignment(item)


def test_set_value_may_contain_equals() -> None:
    assert parse_assignment("description=a=b") == ("description", "a=b")


def test_a_refusal_says_where_the_refused_answer_came_from() -> None:
    refused = ValueError("Validation error for question 'project_slug': The slug 'test' is bad.")
    given = refusal(refused, {"project_slug": "test"}, {})
    assert given.message == "The slug 'test' is bad."
    derived = refusal(refused, {"project_name": "Test"}, {})
    assert derived.message.endswith("(the template's default, made from the answers before it);"
                                    " choose one with --set project_slug=VALUE.")  # fmt: skip
    preset = refusal(refused, {}, {"project_slug": "your defaults file /d.yml"})
    assert "(from your defaults file /d.yml); fix it there" in preset.message
    other = refusal(ValueError("Something else\nwith details"), {}, {})
    assert other.message == "The template refused the answers: Something else."
