"""The answers model: parse, derive and validate a template's answers (pure: no I/O, no copier).

Every rule here is shared by the interactive prompts and by --defaults/--data-file/--set, so a
value refused in one mode is refused in the other with the same sentence.
"""

from __future__ import annotations

import keyword
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from mvpscaffold.errors import UserInputError

# Import and package names the generated application depends on (or that pytest/site treat
# specially): a project or package with one of these names would shadow the real module, or
# depend on itself in uv.lock, and break the project.
GENERATED_APP_IMPORTS = frozenset(
    {
        "alembic", "anyio", "argon2", "argon2_cffi", "click", "email_validator", "fastapi", "h11",
        "hatchling", "httpcore", "httpx", "huey", "idna", "import_linter", "importlinter",
        "jinja2", "jose", "jwt", "locust", "mako", "multipart", "mutmut", "mypy", "passlib",
        "pip", "pip_audit", "pkg_resources", "playwright", "prometheus_client", "psycopg",
        "psycopg2", "pydantic", "pydantic_core", "pydantic_settings", "pytest",
        "python_multipart", "redis", "ruff", "sentry_sdk", "setuptools", "site", "sniffio",
        "sqlalchemy", "squawk_cli", "starlette", "structlog", "test", "tests", "typing_extensions",
        "uv", "uvicorn", "yaml",
    }
)  # fmt: skip
# Modules Python 3.12 and 3.13 removed: a project made on a newer Python may still run on 3.11.
REMOVED_STDLIB_MODULES = frozenset(
    {
        "aifc", "asynchat", "asyncore", "audioop", "cgi", "cgitb", "chunk", "crypt", "distutils",
        "imghdr", "imp", "lib2to3", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes",
        "smtpd", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    }
)  # fmt: skip
MAX_IDENTIFIER_LENGTH = 50
MAX_TEXT_LENGTH = 200
TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TEXT_TYPES = frozenset({"str", "path"})
NAMING_KEYS = ("project_name", "project_slug", "package_name")
# Latin letters NFKD does not decompose into ASCII.
LATIN_LETTERS = str.maketrans(
    {"ß": "ss", "Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l",
     "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a template's copier.yml, reduced to what the generator needs."""

    name: str
    type: str = "str"
    help: str = ""
    default: object = None
    choices: tuple[tuple[str, object], ...] = ()
    secret: bool = False

    @property
    def default_is_template(self) -> bool:
        """Whether the default is a Jinja expression only copier can evaluate."""
        return isinstance(self.default, str) and ("{{" in self.default or "{%" in self.default)

    @property
    def choice_values(self) -> tuple[object, ...]:
        """The values (not labels) the question accepts, empty when it is free-form."""
        return tuple(value for _, value in self.choices)


def derive_slug(project_name: str) -> str:
    """Turn a project name into a slug: 'Café Ünïcode' -> 'cafe-unicode' ('' if no ASCII left)."""
    latin = unicodedata.normalize("NFKD", project_name.translate(LATIN_LETTERS))
    ascii_name = latin.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def derive_package_name(project_slug: str) -> str:
    """Turn a slug into the import name of the generated package."""
    return project_slug.replace("-", "_")


def name_from_folder(folder: str) -> str:
    """Turn a folder name into a project name: 'my-shop' -> 'My Shop' ('' if it has no words)."""
    words = re.findall(r"[^\W_]+", folder)  # runs of letters and digits, any script
    return " ".join(word[:1].upper() + word[1:] for word in words)


def folder_name_problem(
    questions: tuple[Question, ...],
    name: str,
    given: Mapping[str, object],
    extra_defaults: Mapping[str, object],
) -> str | None:
    """Why `name`, made from the destination folder, cannot name the project (None: it can).

    The slug and package name it leads to count too, unless they were given.
    """
    if not name:
        return "it has no letters or digits"
    answers: dict[str, object] = {**given, "project_name": name}
    for question in questions:
        if question.name not in NAMING_KEYS:
            continue
        if question.name not in answers:
            answers[question.name] = default_for(question, answers, extra_defaults)
        value = answers[question.name]
        if question.name == "project_slug" and value == "":
            return "it has no ASCII letters or digits"
        if message := problem(question, value):
            return message[:1].lower() + message[1:].rstrip(".").removesuffix(
                "; choose another name"
            )
    return None


def parse_bool(raw: str) -> bool | None:
    """Read true/false/yes/no/1/0 (any case); None when the word is none of those."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def coerce(question: Question, raw: object) -> object:
    """Convert a value from --set (a string) or a YAML file to the question's type, or raise."""
    kind = question.type
    label = f"The answer for {question.name}"
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str | int) and (parsed := parse_bool(str(raw))) is not None:
            return parsed
        raise UserInputError(f"{label} must be true or false (yes/no/1/0 work too), not {raw!r}.")
    if kind == "int":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d+\s*", raw):
            return int(raw)
        raise UserInputError(f"{label} must be a whole number, not {raw!r}.")
    if kind == "float":
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if isinstance(raw, str) and re.fullmatch(
            r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", raw
        ):
            return float(raw)
        raise UserInputError(f"{label} must be a number, not {raw!r}.")
    if kind in TEXT_TYPES:
        if isinstance(raw, str):
            return raw
        raise UserInputError(f"{label} must be text, not {type(raw).__name__} {raw!r}.")
    return raw  # yaml/json questions take any structure


def problem(question: Question, value: object) -> str | None:
    """Return the one sentence saying why `value` is not acceptable, or None when it is."""
    if question.choices and value not in question.choice_values:
        allowed = ", ".join(str(v) for v in question.choice_values)
        return f"{question.name} must be one of: {allowed} (got {value!r})."
    if not isinstance(value, str):
        return None
    if question.name in ("project_slug", "package_name"):
        return identifier_problem(question.name, value)
    if question.name == "author_email":
        return email_problem(value)
    return text_problem(question.name, value)


def text_problem(name: str, value: str) -> str | None:
    """Rules for free text written into the project's files (the template escapes quotes there)."""
    if name == "project_name" and not value.strip():
        return "The project name must not be empty; give one such as 'My App'."
    if any(unicodedata.category(char) == "Cc" for char in value):
        return f"{name} must not contain control characters such as newlines or tabs."
    if len(value) > MAX_TEXT_LENGTH:
        return f"{name} is {len(value)} characters long; keep it under {MAX_TEXT_LENGTH}."
    return None


def email_problem(value: str) -> str | None:
    """Rules for the author's e-mail address (same pattern as the template's validator).

    Quotes and backslashes, legal in a quoted local part that nobody uses, are refused too.
    """
    unusual = '"' in value or "\\" in value
    if unusual or text_problem("author_email", value) or not EMAIL_PATTERN.fullmatch(value):
        return f"author_email must look like name@example.com (got {value!r})."
    return None


def identifier_problem(name: str, value: str) -> str | None:
    """Rules for project_slug and package_name: safe as folder, distribution and import name."""
    what = "The slug" if name == "project_slug" else "The package name"
    import_name = derive_package_name(value)
    if not value:
        return f"{what} must not be empty."
    if any(unicodedata.category(char) == "Cc" for char in value):
        return f"{what} must not contain control characters."
    if "/" in value or "\\" in value or ".." in value:
        return f"{what} must not contain path separators or '..' (got {value!r})."
    if len(value) > MAX_IDENTIFIER_LENGTH:
        return f"{what} is {len(value)} characters long; keep it at most {MAX_IDENTIFIER_LENGTH}."
    pattern, rule = (
        (SLUG_PATTERN, "lowercase letters, digits and single dashes")
        if name == "project_slug"
        else (PACKAGE_PATTERN, "lowercase letters, digits and underscores")
    )
    if not pattern.fullmatch(value):
        return f"{what} {value!r} must start with a letter and use only {rule}."
    if keyword.iskeyword(import_name):
        return f"{what} {value!r} is a Python keyword; choose another name."
    if import_name in sys.stdlib_module_names or import_name in REMOVED_STDLIB_MODULES:
        return (
            f"{what} {value!r} would shadow the standard library module {import_name!r};"
            " choose another name."
        )
    if import_name in GENERATED_APP_IMPORTS:
        return (
            f"{what} {value!r} would shadow {import_name!r}, which the project depends on;"
            " choose another name."
        )
    return None


def parse_assignment(item: str) -> tuple[str, str]:
    """Split one --set KEY=VALUE into (key, raw value)."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise UserInputError(
            f"--set takes KEY=VALUE, e.g. --set database=postgresql (got {item!r})."
        )
    return key.strip(), value


def check_given(questions: tuple[Question, ...], given: Mapping[str, object]) -> dict[str, object]:
    """Type and validate the answers the user gave (file, --set); unknown keys are refused."""
    by_name = {question.name: question for question in questions}
    typed: dict[str, object] = {}
    for key, raw in given.items():
        question = by_name.get(key)
        if question is None:
            raise UserInputError(
                f"Unknown answer key {key!r}; this template asks: {', '.join(by_name)}."
            )
        value = coerce(question, raw)
        if message := problem(question, value):
            raise UserInputError(message)
        typed[key] = value
    return typed


def resolve(
    questions: tuple[Question, ...],
    given: Mapping[str, object],
    extra_defaults: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Answer every question from `given`, else a derived or literal default; validate each.

    Questions whose default is a Jinja expression we cannot evaluate are left out so copier
    computes them (and runs the template's own validators on the result).
    """
    answers = check_given(questions, given)
    for question in questions:
        if question.name in answers:
            continue
        found = default_for(question, answers, extra_defaults or {})
        if found is None:
            continue
        value = coerce(question, found)
        if message := problem(question, value):
            raise UserInputError(derived_problem(question.name, answers, message))
        answers[question.name] = value
    return {
        question.name: answers[question.name] for question in questions if question.name in answers
    }


def default_for(
    question: Question, answers: Mapping[str, object], extra_defaults: Mapping[str, object]
) -> object | None:
    """The default of one question given the answers so far (None: let copier decide)."""
    if question.name in extra_defaults:
        return extra_defaults[question.name]
    if question.name == "project_slug" and isinstance(answers.get("project_name"), str):
        return derive_slug(str(answers["project_name"]))
    if question.name == "package_name" and isinstance(answers.get("project_slug"), str):
        return derive_package_name(str(answers["project_slug"]))
    if question.default_is_template:
        return None
    return question.default


def derived_problem(name: str, answers: Mapping[str, object], message: str) -> str:
    """Reword the problem of a default (derived) value so it says which --set fixes it."""
    if name == "project_slug" and derive_slug(str(answers.get("project_name", ""))) == "":
        return (
            f"The project name {answers.get('project_name')!r} has no ASCII letters to make a slug"
            " from; give one with --set project_slug=my-app."
        )
    origin = "from the project name" if name in ("project_slug", "package_name") else "by default"
    problem_only = message.rstrip(".").removesuffix("; choose another name")
    return f"{problem_only} (chosen {origin}); choose one with --set {name}=NAME."
