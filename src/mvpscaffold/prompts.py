"""Ask the template's questions in a terminal: the only module that talks to questionary."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import questionary
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from mvpscaffold.answers import Question, coerce, default_for, problem
from mvpscaffold.errors import UserInputError


def ask_all(
    questions: tuple[Question, ...],
    preset: Mapping[str, object],
    extra_defaults: Mapping[str, object],
) -> dict[str, object]:
    """Ask every question not already answered in `preset`; return preset plus the answers.

    Ctrl-C (and Ctrl-D, end of input) propagate as KeyboardInterrupt, which the CLI reports as
    an interrupt with nothing written.
    """
    answers: dict[str, object] = dict(preset)
    for question in questions:
        if question.name in preset:
            continue
        default = default_for(question, answers, extra_defaults)
        try:
            value = _ask_one(question, default)
        except EOFError:
            raise KeyboardInterrupt from None
        if value is not None:  # None: left empty, copier computes the template's own default
            answers[question.name] = value
    return answers


def _ask_one(question: Question, default: object) -> object:
    # The help sentence is what a person reads; the key, in brackets, is what answers files use.
    message = question.help or question.name.replace("_", " ").capitalize()
    help_text = f"[{question.name}]"
    if question.choices:
        choices = [
            questionary.Choice(title=label, value=value) for label, value in question.choices
        ]
        start = next((c for c in choices if c.value == default), None)
        return questionary.select(
            message,
            choices=choices,
            default=start,
            instruction=f"{help_text} (arrow keys, Enter)",
        ).unsafe_ask()
    if question.type == "bool":
        hint = "(Y/n)" if default else "(y/N)"
        return questionary.confirm(
            message, default=bool(default), instruction=f"{help_text} {hint} "
        ).unsafe_ask()
    computed_by_copier = default is None and question.default_is_template
    shown = "" if default is None else str(default)

    def check(raw: str) -> Any:
        return _validate(question, raw or shown, allow_empty=computed_by_copier)

    ask_text = questionary.password if question.secret else questionary.text
    text: str = ask_text(
        message,
        instruction=f"{help_text}{_default_hint(question, shown, computed_by_copier)}",
        validate=check,
        key_bindings=_enter_shows_default(shown, lambda: check("") is True),
    ).unsafe_ask()
    if computed_by_copier and not text:
        return None
    return coerce(question, text or shown)


def _default_hint(question: Question, shown: str, computed_by_copier: bool) -> str:
    """What an empty answer means, shown after the question; the input field itself stays empty.

    A pre-filled field would make typing append to the default instead of replacing it.
    """
    if computed_by_copier:
        return " (empty: template default)"
    if not shown:
        return ""
    return " (empty: keep the default)" if question.secret else f" ({shown})"


def _enter_shows_default(shown: str, default_is_valid: Callable[[], bool]) -> KeyBindings:
    """Enter on an empty field writes a valid default into it first, so the answered line shows it.

    An invalid default is left out of the field: the validator names its problem and the user
    types a replacement without deleting anything.
    """
    bindings = KeyBindings()

    @bindings.add("enter")
    def _accept(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if shown and not buffer.text and default_is_valid():
            buffer.text = shown
        buffer.validate_and_handle()

    return bindings


def _validate(question: Question, raw: str, *, allow_empty: bool) -> Any:
    """questionary's validate contract: True when fine, else the message to show inline."""
    if allow_empty and not raw:
        return True
    try:
        value = coerce(question, raw)
    except UserInputError as error:
        return error.message
    return problem(question, value) or True


def ask_fields(parse: Callable[[str], object]) -> list[str]:
    """Ask for a resource's fields one by one (NAME:TYPE, `?` for optional) until an empty answer.

    `parse` checks each answer and raises UserInputError, whose message is shown inline.
    """

    def check(raw: str) -> Any:
        if not raw.strip():
            return True
        try:
            parse(raw.strip())
        except UserInputError as error:
            return error.message
        return True

    fields: list[str] = []
    while True:
        try:
            answer: str = questionary.text(
                f"Field {len(fields) + 1}",
                instruction="NAME:TYPE, such as title:str:80 or due:date? (empty: done)",
                validate=check,
            ).unsafe_ask()
        except EOFError:
            raise KeyboardInterrupt from None
        if not answer.strip():
            if fields:
                return fields
            continue
        fields.append(answer.strip())
