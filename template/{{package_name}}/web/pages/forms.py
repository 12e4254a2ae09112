"""Posted form fields into the API's schemas: one parser for pages and JSON, and the messages by field name."""

from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Form
from pydantic import BaseModel, ValidationError

FormField = Annotated[str, Form(max_length=20_000)]
Schema = TypeVar("Schema", bound=BaseModel)


def posted(**fields: str) -> dict[str, str]:
    """The fields a visitor filled in; an empty one is left out, so the schema treats it as not given."""
    return {name: value for name, value in fields.items() if value.strip()}


def utc(value: str) -> str:
    """A `datetime-local` input's value (no offset) read as UTC; a value with an offset stays as it is."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the problem
    return value if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC).isoformat()


def shown(value: object) -> str:
    """A stored value as a form input shows it: `datetime-local` in UTC, booleans as the select's values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return str(value)


def schema_errors(error: ValidationError) -> dict[str, str]:
    """The schema's complaints by field name, the first one for each field."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "form"
        errors.setdefault(name, str(problem["msg"]))
    return errors


def read(schema: type[Schema], fields: dict[str, str]) -> tuple[Schema | None, dict[str, str]]:
    """The posted fields parsed by the API's schema, or None and the reasons by field name."""
    try:
        return schema.model_validate(fields), {}
    except ValidationError as error:
        return None, schema_errors(error)
