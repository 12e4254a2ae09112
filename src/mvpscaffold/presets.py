"""The user's own default answers: answers an agency always gives (author, license, CI, ...).

One YAML mapping per user, at platformdirs' user_config_dir('mvpscaffold')/defaults.yml, or the
file the MVPSCAFFOLD_CONFIG environment variable names. Its answers replace the template's
defaults (shown as the defaults of the questions, used by --defaults); --data-file and --set win
over them. Precedence: --set > --data-file > this file > the destination folder's name (for
project_name) and git identity (for the author) > the template's defaults.

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
from mvpscaffold.yamlfiles import read_yaml_mapping

CONFIG_ENV = "MVPSCAFFOLD_CONFIG"
FILE_NAME = "defaults.yml"
SECTIONS_KEY = "_templates"


def defaults_path() -> Path:
    """Where the user's defaults live: $MVPSCAFFOLD_CONFIG, else the user's config folder."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override).expanduser() if override else default_location()


def default_location() -> Path:
    """The defaults file in this user's configuration folder (platformdirs decides per OS)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("mvpscaffold")) / FILE_NAME


def defaults_file_hint() -> str:
    """Where the defaults file is by default, for help texts ('~' for the home folder)."""
    path, home = str(default_location()), str(Path.home())
    return "~" + path[len(home) :] if path.startswith(home + os.sep) else path


def read_user_defaults() -> tuple[Path, dict[str, object]]:
    """Read the defaults file (raw values; absent: none); refuse one that is not a YAML mapping."""
    path = defaults_path()
    if not path.exists():
        if os.environ.get(CONFIG_ENV):  # named on purpose: a typo must not be silently ignored
            raise UserInputError(
                f"{CONFIG_ENV} names {path}, which does not exist; create it or unset {CONFIG_ENV}."
            )
        return path, {}
    if path.is_dir():
        raise UserInputError(
            f"Your defaults file {path} is a folder; make it a YAML file of answers."
        )
    return path, read_yaml_mapping(path, "Your defaults file", "license: MIT", "fix it")


def check_user_defaults(
    questions: tuple[Question, ...], path: Path, raw: Mapping[str, object], src: str
) -> tuple[dict[str, object], tuple[str, ...]]:
    """The defaults for template `src`, typed and validated against its questions, and notes.

    Its own `_templates` section wins over the shared answers and must fit the template; shared
    answers to questions it does not ask are skipped with a note.
    """
    asked = {question.name for question in questions}
    shared = {key: value for key, value in raw.items() if not key.startswith("_")}
    skipped = sorted(key for key in shared if key not in asked)
    own = _section_for(src, path, raw.get(SECTIONS_KEY))
    chosen = {key: value for key, value in shared.items() if key in asked} | own
    try:
        typed = check_given(questions, chosen)
    except UserInputError as error:
        raise UserInputError(
            f"In your defaults file {path}: {error.message.rstrip('.')}; fix it there."
        ) from None
    notes = (
        (
            f"Your defaults file {path} answers questions this template does not ask"
            f" ({', '.join(skipped)}); they were left out.",
        )
        if skipped
        else ()
    )
    return typed, notes


def _section_for(src: str, path: Path, sections: object) -> dict[str, object]:
    """The answers the file's `_templates` section gives template `src` (none: empty)."""
    if sections is None:
        return {}
    # Imported here: the CLI imports this module for its help text, which needs neither.
    from mvpscaffold.locations import same_source
    from mvpscaffold.source import is_default_source

    example = "_templates: {gh:acme/template: {license: MIT}}"
    if not isinstance(sections, dict) or not all(isinstance(v, dict) for v in sections.values()):
        raise UserInputError(
            f"In your defaults file {path}: {SECTIONS_KEY} must map template sources to answers,"
            f" such as '{example}'; fix it there."
        )
    for key, answers in sections.items():
        key = str(key)
        if (is_default_source(key) and is_default_source(src)) or same_source(key, src):
            return {str(name): value for name, value in answers.items()}
    return {}
