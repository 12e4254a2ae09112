"""The answers users give (--set, --data-file, their defaults file), checked against the questions.

copier evaluates copier.yml's defaults and validators; here, what users typed is read as the
questions' types (copier would take `maybe` for true and `123` for a name), and a refusal by
copier says where the refused answer came from.

The defaults file (platformdirs' user_config_dir('mvpscaffold')/defaults.yml, or the file
MVPSCAFFOLD_CONFIG names) gives the questions' defaults: --data-file and --set win over it, and it
wins over git's identity and the template's defaults. Its top-level answers go to every template
that asks them (the others skip them, with a note); `_templates:` maps a template source (as
`--template` takes it, or as projects record it) to answers for that template alone, which win.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import yaml

from mvpscaffold.errors import UserInputError, first_line

CONFIG_ENV = "MVPSCAFFOLD_CONFIG"
TEMPLATE_ENV = "MVPSCAFFOLD_TEMPLATE"
TEMPLATE_KEY = "_template"  # the defaults file's default template, as --template takes it
SECTIONS_KEY = "_templates"
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
        raise UserInputError(
            f"The template's {origin} is not valid YAML ({first_line(error)})."
        ) from None
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
        raise UserInputError(f"--set takes KEY=VALUE, such as database=postgresql (got {item!r}).")
    return key.strip(), value


def coerce(question: Question, raw: object) -> object:
    """A value from --set (text) or a YAML file as the question's type; refuse one that is not."""
    kind, label = question.type, f"The answer for {question.name}"
    if raw is None:
        raise UserInputError(f"{label} is empty; give it a value or leave the key out.")
    if kind == "bool":
        word = str(raw).strip().lower() if isinstance(raw, str | int) else ""
        if isinstance(raw, bool) or word in TRUE_WORDS | FALSE_WORDS:
            return raw if isinstance(raw, bool) else word in TRUE_WORDS
        raise UserInputError(f"{label} must be true or false (yes/no/1/0 work too), not {raw!r}.")
    if kind in ("int", "float"):
        with suppress(ValueError):
            if not isinstance(raw, bool):
                return (int if kind == "int" else float)(str(raw))
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
    found = _REFUSED.fullmatch(str(error).strip())
    if found is None:
        return UserInputError(f"The template refused the answers: {first_line(error)}.")
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


def read_yaml_mapping(path: Path, name: str) -> dict[str, object]:
    """The mapping in `path` (an empty file is an empty one), else a sentence naming the file,
    which the sentence calls `name`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise UserInputError(f"{name} {path} is not valid YAML{at}; fix it and retry.") from None
    except OSError as error:  # a folder, or no permission to read it
        raise UserInputError(
            f"Cannot read {name.lower()} {path} ({error.strerror}); make it a readable file."
        ) from None
    if data is not None and not isinstance(data, dict):
        kind = type(data).__name__
        raise UserInputError(f"{name} {path} must be a YAML mapping of answers, not a {kind}.")
    return {str(key): value for key, value in (data or {}).items()}


def read_data_file(path: Path) -> dict[str, object]:
    """The answers of a --data-file; keys starting with '_' (copier's own records) are ignored."""
    if path.is_dir():
        raise UserInputError(f"Data file {path} is a folder; give --data-file a YAML file.")
    if not path.is_file():
        raise UserInputError(f"Data file {path} not found; check the path given to --data-file.")
    data = read_yaml_mapping(path, "Data file")
    return {key: value for key, value in data.items() if not key.startswith("_")}


def default_location() -> Path:
    """The defaults file in this user's configuration folder (platformdirs decides per OS)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("mvpscaffold")) / "defaults.yml"


def defaults_file_hint() -> str:
    """Where the defaults file is by default, for help texts ('~' for the home folder)."""
    path, home = str(default_location()), str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + os.sep) else path


def read_user_defaults() -> tuple[Path, dict[str, object]]:
    """The defaults file and its raw answers (none when absent); refuse one that is no mapping."""
    named = os.environ.get(CONFIG_ENV)
    path = Path(named).expanduser() if named else default_location()
    if not path.exists():
        if named:  # named on purpose: a typo must not be silently ignored
            raise UserInputError(
                f"{CONFIG_ENV} names {path}, which does not exist; create it or unset {CONFIG_ENV}."
            )
        return path, {}
    return path, read_yaml_mapping(path, "Your defaults file")


def chosen_template(given: str | None) -> tuple[str | None, str]:
    """The template to use and why: --template, else MVPSCAFFOLD_TEMPLATE, else the defaults
    file's `_template`, else None (the bundled template)."""
    if given:
        return given, "--template"
    if os.environ.get(TEMPLATE_ENV):
        return os.environ[TEMPLATE_ENV], TEMPLATE_ENV
    path, raw = read_user_defaults()
    named = raw.get(TEMPLATE_KEY)
    if named is not None and not (isinstance(named, str) and named.strip()):
        raise UserInputError(
            f"In your defaults file {path}: {TEMPLATE_KEY} must name a template as --template"
            " takes it, such as '_template: gh:acme/template'; fix it there."
        )
    return (named, f"{TEMPLATE_KEY} in {path}") if named else (None, "the bundled template")


def user_defaults_for(
    questions: tuple[Question, ...], path: Path, raw: Mapping[str, object], src: str
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The defaults file's answers for template `src`, typed against its questions, and notes.

    Its own `_templates` section wins over the shared answers and must fit the template; shared
    answers to questions it does not ask are left out with a note.
    """
    from mvpscaffold.templates.source import same_source

    sections = raw.get(SECTIONS_KEY)
    sections = {} if sections is None else sections
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise UserInputError(
            f"In your defaults file {path}: {SECTIONS_KEY} must map template sources to answers,"
            " such as '_templates: {gh:acme/template: {license: MIT}}'; fix it there."
        )
    own: dict[object, object] = next(
        (given for key, given in sections.items() if same_source(str(key), src)), {}
    )
    asked = {question.name for question in questions}
    shared = {key: value for key, value in raw.items() if not key.startswith("_")}
    chosen = {key: value for key, value in shared.items() if key in asked}
    try:
        typed = check_given(questions, chosen | {str(key): value for key, value in own.items()})
    except UserInputError as error:
        raise UserInputError(
            f"In your defaults file {path}: {error.message.rstrip('.')}; fix it there."
        ) from None
    skipped = ", ".join(sorted(shared.keys() - asked))
    note = f"Your defaults file {path} answers questions this template does not ask ({skipped});"
    return typed, (f"{note} they were left out.",) if skipped else ()


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown tags (copier's !include) as plain values."""


def _tag_as_plain_value(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


# Every unknown tag (None), and `!include` by name: a plugin that adds `!include` to SafeLoader
# itself (pytest-copie does) would otherwise win and try to open the file.
for _tag in (None, "!include"):
    _TolerantLoader.add_constructor(_tag, _tag_as_plain_value)
