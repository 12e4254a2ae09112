"""The questions as a terminal shows them: defaults offered beside the question, never pre-typed."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from mvpscaffold.answers import Question
from mvpscaffold.prompts import _ask_one, ask_all

NAME = Question("project_name", help="Name")
NAMING = (
    NAME,
    Question("project_slug", help="Slug", default="{{ project_name | lower }}"),
    Question("package_name", help="Package", default="{{ project_slug }}"),
)
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """Keys typed in advance into a pipe, and the text the prompts drew (escapes removed)."""

    def __init__(self, keys: str) -> None:
        self.keys = keys
        self.drawn = io.StringIO()

    @property
    def screen(self) -> str:
        """Everything drawn, without colours and cursor moves."""
        return ESCAPES.sub("", self.drawn.getvalue())

    def run(self, ask: Callable[[], object]) -> object:
        """Call `ask` (a prompt function) with the keys as its input."""
        output = Vt100_Output(self.drawn, lambda: Size(rows=24, columns=160))
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
            pipe.send_text(self.keys)
            pipe.close()  # then end of input: a prompt still waiting fails instead of hanging
            try:
                return ask()
            except (EOFError, KeyboardInterrupt):  # ask_all turns end of input into Ctrl-C
                raise AssertionError(f"a prompt wanted more than {self.keys!r}") from None


def test_the_default_is_shown_beside_the_question_and_enter_takes_it() -> None:
    terminal = Terminal("\r")
    assert terminal.run(lambda: _ask_one(NAME, "Shop")) == "Shop"
    first, *_ = terminal.screen.split("\n")
    assert "Name  [project_name] (Shop)" in first
    assert "[project_name] (Shop) Shop" in terminal.screen  # the answered line shows the value


def test_typing_replaces_the_default_instead_of_appending_to_it() -> None:
    terminal = Terminal("Acme\r")
    assert terminal.run(lambda: _ask_one(NAME, "Shop")) == "Acme"
    assert "[project_name] (Shop) Acme" in terminal.screen


def test_an_empty_answer_is_validated_as_the_default() -> None:
    slug = Question("project_slug", help="Slug")
    terminal = Terminal("\rshop\r")  # Enter on the default 'json' is refused, then a slug typed
    assert terminal.run(lambda: _ask_one(slug, "json")) == "shop"  # not 'jsonshop'


@pytest.mark.parametrize("keys", ["\r", "ana@\r\x15\r"], ids=["default", "after-a-bad-answer"])
def test_a_valid_default_is_taken_even_after_a_refused_answer(keys: str) -> None:
    email = Question("author_email", help="E-mail")
    terminal = Terminal(keys)  # \x15 (Ctrl-U) clears what was typed
    assert terminal.run(lambda: _ask_one(email, "you@example.com")) == "you@example.com"


def test_a_default_copier_computes_is_left_to_copier_on_an_empty_answer() -> None:
    computed = Question("greeting", help="Greeting", default="Hello {{ project_name }}")
    terminal = Terminal("\r")
    assert terminal.run(lambda: _ask_one(computed, None)) is None
    assert "[greeting] (empty: template default)" in terminal.screen


def test_a_secret_default_is_taken_but_never_shown() -> None:
    token = Question("api_token", help="Token", secret=True)
    terminal = Terminal("\r")
    assert terminal.run(lambda: _ask_one(token, "s3cret")) == "s3cret"
    assert "[api_token] (empty: keep the default)" in terminal.screen
    assert "s3cret" not in terminal.screen


def test_a_question_without_default_offers_none() -> None:
    terminal = Terminal("A shop.\r")
    description = Question("description", help="What it does")
    assert terminal.run(lambda: _ask_one(description, None)) == "A shop."
    assert "[description] A shop." in terminal.screen


@pytest.mark.parametrize(
    ("keys", "answers"),
    [
        ("\r\r\r", ("Shop", "shop", "shop")),
        ("Acme Crm\r\r\r", ("Acme Crm", "acme-crm", "acme_crm")),
    ],
    ids=["folder-name", "typed-name"],
)
def test_the_slug_and_package_follow_the_name_chosen(
    keys: str, answers: tuple[str, str, str]
) -> None:
    terminal = Terminal(keys)
    given = terminal.run(lambda: ask_all(NAMING, {}, {"project_name": "Shop"}))
    assert given == dict(
        zip(("project_name", "project_slug", "package_name"), answers, strict=True)
    )
    assert f"[project_slug] ({answers[1]})" in terminal.screen


def test_a_resource_s_fields_are_asked_one_by_one_until_an_empty_answer() -> None:
    from mvpscaffold.prompts import ask_fields
    from mvpscaffold.resource_spec import parse_field

    # A bad field is refused inline (the line stays open), then replaced; an empty answer ends.
    terminal = Terminal("title:str:80\rdue:dait\r\x7f\x7f\x7fate?\r\r")
    assert terminal.run(lambda: ask_fields(parse_field)) == ["title:str:80", "due:date?"]
