"""The forms of the pages every owned resource has (web/records.py): their inputs, and values both ways.

`form_field` says how one field is typed in (`record_field` in `_macros.html` draws it), `submit` reads
a posted form with the API's schema, `shown` puts a stored value back in an input, and
`reference_labels` says how the records a list page's references name read. A reference offers the
owner's newest records; when there are more than MAX_PAGE_SIZE, it takes any of them by number.
"""

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from ..data.tables import TABLES
from ..domain.errors import NotFound, ValidationFailed
from ..domain.pagination import MAX_PAGE_SIZE, PageRequest
from ..domain.records import Field as RecordField
from ..domain.records import Number, Record, Reference, Text, fields, label_of
from ..services.records import OwnedService


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a record's form, as `record_field` in `_macros.html` draws it."""

    name: str
    label: str
    input: str  # text, textarea, number, date, datetime-local, select, or reference (a number, the newest suggested)
    value: str
    required: bool
    limits: dict[str, object] = field(default_factory=dict)  # maxlength, min, max, step
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label): a select's or a reference's choices


def submit(
    write: Callable[[dict[str, Any]], object], schema: type[BaseModel], posted: Mapping[str, str]
) -> dict[str, str]:
    """Parse a posted form with the API's schema and write it; the reasons by field name when either refuses."""
    given = {name: _utc(value) for name, value in posted.items() if value.strip()}
    try:
        write(schema.model_validate(given).model_dump())
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            errors.setdefault(str(problem["loc"][0]) if problem["loc"] else "form", problem["msg"])
        return errors
    except ValidationFailed as error:
        return {error.field or "form": error.message}
    return {}


def form_field(container: Any, owner_id: int, field: RecordField, value: str) -> FormField:
    """The input for one field: its kind, its limits, and for a reference the owner's records to choose from."""
    label, required, rule = field.label.capitalize(), field.required, field.rule
    if isinstance(rule, Reference):
        choices, more = _choices(container, owner_id, rule, value)
        kind = "reference" if more else "select"  # more than a drop-down holds: any one by its number
        return FormField(field.name, label, kind, value, required, options=choices)
    if field.type is bool:
        return FormField(field.name, label, "select", value, required, options=[("true", "Yes"), ("false", "No")])
    if isinstance(rule, Text):
        kind = "textarea" if rule.multiline else "text"
        return FormField(field.name, label, kind, value, required, {"maxlength": rule.max_length})
    if isinstance(rule, Number):
        step = 1 if field.type is int else Decimal(1).scaleb(-rule.places)
        limits: dict[str, object] = {"min": rule.min, "max": rule.max, "step": step}
        return FormField(field.name, label, "number", value, required, limits)
    return FormField(field.name, label, "datetime-local" if field.type is datetime else "date", value, required)


def _choices(container: Any, owner_id: int, rule: Reference, current: str) -> tuple[list[tuple[str, str]], bool]:
    """A reference's (id, how it reads) choices: the owner's newest records and the one chosen; whether more exist."""
    target = _service_of(container, rule.to)
    page = target.list_page(owner_id, PageRequest(MAX_PAGE_SIZE))
    records = page.items
    if current.isdigit() and int(current) not in {record.id for record in records}:
        with suppress(NotFound):  # deleted meanwhile: the form says so when it is sent
            records.append(target.get(owner_id, int(current)))
    return [(str(record.id), _reads(record)) for record in records], page.next_cursor is not None


def reference_labels(
    container: Any, owner_id: int, given: Sequence[RecordField], records: Sequence[Record]
) -> dict[str, dict[int, str]]:
    """How the records a page's references name read, by field and id: one statement per resource referred to.

    A list page shows `customer_id` as the customer reads, as the form's choice does; the records are read
    among the owner's own, like every reference.
    """
    references = {field.name: field.rule.to for field in given if isinstance(field.rule, Reference)}
    wanted: dict[str, set[int]] = {}
    for name, table in references.items():
        ids = wanted.setdefault(table, set())
        ids.update(value for record in records if (value := getattr(record, name)) is not None)
    read: dict[str, dict[int, str]] = {}
    for table, ids in wanted.items():
        found = _service_of(container, table).get_many(owner_id, ids)
        read[table] = {record_id: _reads(record) for record_id, record in found.items()}
    return {name: read[table] for name, table in references.items()}


def _service_of(container: Any, table: str) -> OwnedService[Any]:
    """The use cases of the resource stored in `table`."""
    return next(found for found in container.resources.values() if TABLES[found.record].name == table)


def _reads(record: Record) -> str:
    """How a record reads where another names it: its first one-line text (a customer's name), else `customer 7`."""
    title = next((f.name for f in fields(type(record)) if isinstance(f.rule, Text) and not f.rule.multiline), None)
    return str(getattr(record, title)) if title else f"{label_of(type(record))} {record.id}"


def shown(value: object) -> str:
    """A stored value as a form input shows it: `datetime-local` in UTC, booleans as the select's values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return str(value)


def _utc(value: str) -> str:
    """A `datetime-local` input's value (no offset) read as UTC; any other value stays as it is."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.replace(tzinfo=UTC).isoformat() if "T" in value and parsed.tzinfo is None else value
