"""The answers model: derivation, typing and validation rules (pure and fast)."""

from __future__ import annotations

import pytest

from mvpscaffold.answers import (
    Question,
    check_given,
    coerce,
    derive_package_name,
    derive_slug,
    folder_name_problem,
    name_from_folder,
    parse_assignment,
    parse_bool,
    problem,
    resolve,
)
from mvpscaffold.errors import UserInputError

QUESTIONS = (
    Question("project_name", default="My App"),
    Question("project_slug", default="{{ project_name | lower }}"),
    Question("package_name", default="{{ project_slug }}"),
    Question("author_email", default="you@example.com"),
    Question("database", choices=(("sqlite", "sqlite"), ("postgresql", "postgresql"))),
    Question("metrics", type="bool", default=False),
    Question("workers", type="int", default=2),
    Question("computed", default="{{ project_name }}!"),
)
SLUG = Question("project_slug")
PACKAGE = Question("package_name")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My App", "my-app"),
        ("Café Ünïcode", "cafe-unicode"),
        ("  --Hello,  World!--  ", "hello-world"),
        ("ÆON Straße Łódź", "aeon-strasse-lodz"),
        ("日本", ""),
        ("x" * 3, "xxx"),
    ],
)
def test_slug_is_derived_to_ascii(name: str, slug: str) -> None:
    assert derive_slug(name) == slug


def test_package_name_comes_from_the_slug() -> None:
    assert derive_package_name("cafe-unicode-2") == "cafe_unicode_2"


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("shop", "Shop"),
        ("my-shop", "My Shop"),
        ("my_shop", "My Shop"),
        ("acme-crm", "Acme Crm"),
        ("pty project", "Pty Project"),
        ("shop.v2", "Shop V2"),
        ("myShop", "MyShop"),
        ("café", "Café"),
        ("日本", "日本"),
        ("123", "123"),
        ("---", ""),
        ("", ""),
    ],
)
def test_name_from_folder(folder: str, name: str) -> None:
    assert name_from_folder(folder) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "no letters or digits"),
        ("日本", "no ASCII letters or digits"),
        ("123", "the slug '123' must start with a letter"),
        ("Json", "the slug 'json' would shadow the standard library module 'json'"),
        ("Tests", "would shadow 'tests', which the project depends on"),
        ("Class", "is a Python keyword"),
        ("Very " * 11, "the slug is 54 characters long"),
    ],
)
def test_folder_names_that_cannot_name_the_project(name: str, fragment: str) -> None:
    reason = folder_name_problem(QUESTIONS, name, {}, {})
    assert reason is not None and fragment in reason, reason
    assert not reason.endswith((".", "; choose another name"))  # a clause inside a sentence


def test_a_folder_name_is_checked_with_the_slug_and_package_given() -> None:
    assert folder_name_problem(QUESTIONS, "Shop", {}, {}) is None
    assert folder_name_problem(QUESTIONS, "Café", {}, {}) is None
    assert folder_name_problem(QUESTIONS, "日本", {"project_slug": "nihon"}, {}) is None
    assert folder_name_problem(QUESTIONS, "123", {"project_slug": "counter"}, {}) is None
    reason = folder_name_problem(QUESTIONS, "Shop", {"package_name": "json"}, {})
    assert reason is not None and "package name 'json'" in reason


@pytest.mark.parametrize(
    ("raw", "value"),
    [("true", True), ("YES", True), ("1", True), ("on", True), ("no", False), ("0", False)],
)
def test_bool_words(raw: str, value: bool) -> None:
    assert parse_bool(raw) is value
    assert coerce(Question("flag", type="bool"), raw) is value


def test_bool_rejects_other_words() -> None:
    assert parse_bool("maybe") is None
    with pytest.raises(UserInputError, match="true or false"):
        coerce(Question("flag", type="bool"), "maybe")


@pytest.mark.parametrize("raw", [123, ["a"], {"a": 1}, True, None])
def test_text_questions_need_text(raw: object) -> None:
    with pytest.raises(UserInputError, match="must be text"):
        coerce(Question("project_name"), raw)


def test_numbers_are_parsed_and_checked() -> None:
    assert coerce(Question("n", type="int"), " 42 ") == 42
    assert coerce(Question("f", type="float"), "1.5e3") == 1500.0
    with pytest.raises(UserInputError, match="whole number"):
        coerce(Question("n", type="int"), "4.2")
    with pytest.raises(UserInputError, match="whole number"):
        coerce(Question("n", type="int"), True)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("class", "keyword"),
        ("json", "standard library"),
        ("fastapi", "depends on"),
        ("sentry_sdk", "depends on"),
        ("tests", "depends on"),
        ("1app", "start with a letter"),
        ("My_App", "start with a letter"),
        ("my-app", "underscores"),
        ("a/b", "path separators"),
        ("..", "path separators"),
        ("a\tb", "control characters"),
        ("", "empty"),
        ("a" * 51, "at most 50"),
    ],
)
def test_package_name_rules(value: str, fragment: str) -> None:
    message = problem(PACKAGE, value)
    assert message is not None
    assert fragment in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("my--app", "single dashes"),
        ("-app", "start with a letter"),
        ("app-", "single dashes"),
        ("my_app", "single dashes"),
        ("pydantic-settings", "depends on"),
        ("typing-extensions", "depends on"),
        ("asyncio", "standard library"),
        ("../evil", "path separators"),
    ],
)
def test_slug_rules(value: str, fragment: str) -> None:
    message = problem(SLUG, value)
    assert message is not None
    assert fragment in message


@pytest.mark.parametrize("value", ["my-app", "a", "shop2", "acme-crm-v2"])
def test_good_slugs_pass(value: str) -> None:
    assert problem(SLUG, value) is None
    assert problem(PACKAGE, derive_package_name(value)) is None


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.de", "a@b@c.de", 'a"b@c.de', "a\\b@c.de"])
def test_bad_emails(email: str) -> None:
    assert problem(Question("author_email"), email) is not None


def test_good_email() -> None:
    assert problem(Question("author_email"), "ana@example.co.uk") is None


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 201])
def test_bad_project_names(name: str) -> None:
    assert problem(Question("project_name"), name) is not None


@pytest.mark.parametrize("name", ['Say "Hi"', "O'Neil & Sons", "C:\\Apps", "x" * 200])
def test_quotes_backslashes_and_200_characters_are_fine_in_free_text(name: str) -> None:
    assert problem(Question("project_name"), name) is None
    assert problem(Question("description"), name) is None


def test_choice_outside_the_list() -> None:
    message = problem(QUESTIONS[4], "mysql")
    assert message is not None and "sqlite, postgresql" in message


def test_resolve_derives_slug_and_package_and_leaves_jinja_defaults_to_copier() -> None:
    answers = resolve(QUESTIONS, {"project_name": "Café Ünïcode", "metrics": "yes"})
    assert answers == {
        "project_name": "Café Ünïcode",
        "project_slug": "cafe-unicode",
        "package_name": "cafe_unicode",
        "author_email": "you@example.com",
        "metrics": True,
        "workers": 2,
    }  # database has no default and `computed` is Jinja: both are left for copier


def test_resolve_uses_extra_defaults_but_given_answers_win() -> None:
    extra = {"author_email": "dev@example.org"}
    assert resolve(QUESTIONS, {}, extra)["author_email"] == "dev@example.org"
    given = {"author_email": "ana@example.com"}
    assert resolve(QUESTIONS, given, extra)["author_email"] == "ana@example.com"


def test_name_without_ascii_letters_asks_for_a_slug() -> None:
    with pytest.raises(UserInputError, match="--set project_slug="):
        resolve(QUESTIONS, {"project_name": "日本"})
    answers = resolve(QUESTIONS, {"project_name": "日本", "project_slug": "nihon"})
    assert answers["package_name"] == "nihon"


def test_a_derived_bad_slug_says_which_key_to_set() -> None:
    with pytest.raises(UserInputError, match=r"from the project name.*--set project_slug=NAME"):
        resolve(QUESTIONS, {"project_name": "2048"})


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(UserInputError, match=r"Unknown answer key 'colour'.*project_name"):
        check_given(QUESTIONS, {"colour": "blue"})


@pytest.mark.parametrize("item", ["novalue", "=x", "  =x"])
def test_set_needs_key_and_equals(item: str) -> None:
    with pytest.raises(UserInputError, match="KEY=VALUE"):
        parse_assignment(item)


def test_set_value_may_contain_equals() -> None:
    assert parse_assignment("description=a=b") == ("description", "a=b")
