"""Reading the YAML files users write (--data-file, the defaults file), with one-sentence errors."""

from __future__ import annotations

from pathlib import Path

from mvpscaffold.errors import UserInputError


def read_yaml_mapping(path: Path, name: str, example: str, fix: str) -> dict[str, object]:
    """The mapping in `path` (an empty file is an empty mapping); otherwise a sentence naming it.

    `name` is how the sentence calls the file ("Data file"), `example` a line it could hold, `fix`
    what to do about a syntax error.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise UserInputError(f"{name} {path} is not valid YAML{at}; {fix}.") from None
    except OSError as error:
        named = f"{name[0].lower()}{name[1:]} {path}"
        raise UserInputError(
            f"Cannot read {named} ({error.strerror}); fix its permissions."
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise UserInputError(
            f"{name} {path} must be a YAML mapping such as '{example}', not a {kind}."
        )
    return {str(key): value for key, value in data.items()}
