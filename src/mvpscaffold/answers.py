"""The answers a user gives on the command line and in files, checked against the questions.

Pure: no I/O, no copier. copier.yml holds every default, derived value and validator; copier
evaluates them. What is left here is reading the text a user typed as the question's type (copier
would take `maybe` for true and `123` for a name), and telling where a refused answer came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from mvpscaffold.errors import UserInputError

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})
# copier's ValueError when an answer or a default fails a question's choices or its validator.
_REFUSED = re.compile(r"(?:Validation error for question|Invalid choice for) '(\w+)': (.*)", re.S)


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a template's copier.yml, as far as checking a given answer needs it."""

    name: str
    type: str = "str"
    choices: tuple[object, ...] = ()


def parse_questions(text: str, origin: str) -> tuple[Question, ...]:
    """The questions of copier.yml text, in file order: settings and computed values left out."""
    try:
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise UserInputError(f"The template's {origin} is not valid YAML ({first}).") from None
    if not isinstance(data, dict):
        raise UserInputError(f"The template's {origin} must be a YAML mapping of questions.")
    questions = []
    for name, details in data.items():
        details = details if isinstance(details, dict) else {"default": details}
        if not isinstance(name, str) or name.startswith("_") or details.get("when") is False:
            continue
        default, kind, choices = details.get("default"), details.get("type"), details.get("choices")
        if not isinstance(kind, str):  # copier's rule: the default's type, else yaml
            types = {bool: "bool", int: "int", float: "float", str: "str"}
            kind = "str" if default is None else types.get(type(default), "yaml")
        if isinstance(choices, dict):
            choices = [v.get("value") if isinstance(v, dict) else v for v in choices.values()]
        elif isinstance(choices, list):
            choices = [c[1] if isinstance(c, list) and len(c) == 2 else c for c in choices]
        questions.append(Question(name, kind, tuple(choices or ())))
    return tuple(questions)


def parse_assignment(item: str) -> tuple[str, str]:
    """Split one --set KEY=VALUE into (key, raw value)."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UserInputError(
            f"--set takes KEY=VALUE, e.g. --set database=postgresql (got {item!r})."
        )
    return key.strip(), value


def coerce(question: Question, raw: object) -> object:
    """A value from --set (text) or a YAML file as the question's type; refuse one that is not."""
    kind, label = question.type, f"The answer for {question.name}"
    if kind == "bool":
        word = str(raw).strip().lower() if isinstance(raw, str | int) else None
        if isinstance(raw, bool) or word in TRUE_WORDS | FALSE_WORDS:
            return raw if isinstance(raw, bool) else word in TRUE_WORDS
        raise UserInputError(f"{label} must be true or false (yes/no/1/0 work too), not {raw!r}.")
    if kind in ("int", "float"):
        try:
            if not isinstance(raw, bool):
                return (int if kind == "int" else float)(str(raw))
        except ValueError:
            pass
        number = "whole number" if kind == "int" else "number"
        raise UserInputError(f"{label} must be a {number}, not {raw!r}.")
    if kind in ("str", "path") and not isinstance(raw, str):
        raise UserInputError(f"{label} must be text, not {type(raw).__name__} {raw!r}.")
    return raw  # yaml and json questions take any structure


def check_given(questions: tuple[Question, ...], given: Mapping[str, object]) -> dict[str, object]:
    """Type the answers the user gave and check their choices; unknown keys are refused."""
    by_name = {question.name: question for question in questions}
    typed: dict[str, object] = {}
    for key, raw in given.items():
        question = by_name.get(key)
        if question is None:
            raise UserInputError(
                f"Unknown answer key {key!r}; this template asks: {', '.join(by_name)}."
            )
        value = coerce(question, raw)
        if question.choices and value not in question.choices:
            allowed = ", ".join(map(str, question.choices))
            raise UserInputError(f"{key} must be one of: {allowed} (got {value!r}).")
        typed[key] = value
    return typed


def refusal(
    error: Exception, given: Mapping[str, object], origins: Mapping[str, str]
) -> UserInputError:
    """copier's refusal of an answer as one sentence that says where the answer came from.

    `origins` names where a default that was not given came from (`your defaults file X`); any
    other answer not given is the template's own default, derived from the answers before it.
    """
    text = str(error).strip()
    found = _REFUSED.fullmatch(text)
    if found is None:
        first = text.splitlines()[0].rstrip(".") if text else type(error).__name__
        return UserInputError(f"The template refused the answers: {first}.")
    key, message = found[1], " ".join(found[2].split())
    if key in given:  # a template's own message may not say which answer it refuses
        named = key in message or str(given[key]) in message
        return UserInputError(message if named else f"The template refused {key}: {message}")
    reason = message.rstrip(".").removesuffix("; choose another name")
    if key in origins:
        fix = f"fix it there or give another with --set {key}=VALUE"
        return UserInputError(f"{reason} (from {origins[key]}); {fix}.")
    default = "the template's default, made from the answers before it"
    return UserInputError(f"{reason} ({default}); choose one with --set {key}=VALUE.")


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (copier's !include) as plain values."""


def _tag_as_plain_value(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_TolerantLoader.add_multi_constructor(
    "!", lambda loader, _suffix, node: _tag_as_plain_value(loader, node)
)
# Registered by name too: a plugin that adds `!include` to SafeLoader itself (pytest-copie does)
# would otherwise win over the multi-constructor above and try to open the file.
_TolerantLoader.add_constructor("!include", _tag_as_plain_value)
