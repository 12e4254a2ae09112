"""The answers users write down: a --data-file, and their defaults file (an agency's presets).

The defaults file is one YAML mapping per user, at platformdirs' user_config_dir('mvpscaffold')/
defaults.yml, or the file the MVPSCAFFOLD_CONFIG environment variable names. Its answers become the
defaults of the template's questions (shown when asked, used by --defaults); --data-file and --set
win over them, and they win over git's identity and the template's own defaults.

One file serves several templates: answers at the top level go to every template that asks the
question (the others skip them, with a note), and `_templates:` maps a template source (as
`--template` takes it, or as projects record it) to answers for that template alone, which win.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from mvpscaffold.answers import Question, check_given
from mvpscaffold.errors import UserInputError

CONFIG_ENV = "MVPSCAFFOLD_CONFIG"
SECTIONS_KEY = "_templates"


def read_yaml_mapping(path: Path, name: str, example: str, fix: str) -> dict[str, object]:
    """The mapping in `path` (an empty file is an empty one); otherwise a sentence naming the file.

    `name` is what the sentence calls the file, `example` a line it could hold, `fix` what to do
    about a syntax error.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise UserInputError(f"{name} {path} is not valid YAML{at}; {fix}.") from None
    except OSError as error:
        raise UserInputError(
            f"Cannot read {name[0].lower()}{name[1:]} {path} ({error.strerror}); fix its"
            " permissions."
        ) from None
    if data is not None and not isinstance(data, dict):
        raise UserInputError(
            f"{name} {path} must be a YAML mapping such as '{example}', not a"
            f" {type(data).__name__}."
        )
    return {str(key): value for key, value in (data or {}).items()}


def read_data_file(path: Path) -> dict[str, object]:
    """The answers of a --data-file; keys starting with '_' (copier's own records) are ignored."""
    if not path.is_file():
        raise UserInputError(f"Data file {path} not found; check the path given to --data-file.")
    data = read_yaml_mapping(path, "Data file", "project_name: My App", "fix it and retry")
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
    if path.is_dir():
        raise UserInputError(
            f"Your defaults file {path} is a folder; make it a YAML file of answers."
        )
    return path, read_yaml_mapping(path, "Your defaults file", "license: MIT", "fix it")


def user_defaults_for(
    questions: tuple[Question, ...], path: Path, raw: Mapping[str, object], src: str
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The defaults file's answers for template `src`, typed against its questions, and notes.

    Its own `_templates` section wins over the shared answers and must fit the template; shared
    answers to questions it does not ask are left out with a note.
    """
    asked = {question.name for question in questions}
    shared = {key: value for key, value in raw.items() if not key.startswith("_")}
    chosen = {key: value for key, value in shared.items() if key in asked}
    try:
        typed = check_given(questions, chosen | _section_for(src, path, raw.get(SECTIONS_KEY)))
    except UserInputError as error:
        raise UserInputError(
            f"In your defaults file {path}: {error.message.rstrip('.')}; fix it there."
        ) from None
    skipped = ", ".join(sorted(shared.keys() - asked))
    note = f"Your defaults file {path} answers questions this template does not ask ({skipped});"
    return typed, (f"{note} they were left out.",) if skipped else ()


def _section_for(src: str, path: Path, sections: object) -> dict[str, object]:
    """The answers the file's `_templates` section gives template `src` (none: empty)."""
    from mvpscaffold.source import same_source

    if sections is None:
        return {}
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise UserInputError(
            f"In your defaults file {path}: {SECTIONS_KEY} must map template sources to answers,"
            " such as '_templates: {gh:acme/template: {license: MIT}}'; fix it there."
        )
    for key, answers in sections.items():
        if same_source(str(key), src):
            return {str(name): value for name, value in answers.items()}
    return {}
