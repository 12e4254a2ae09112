"""Records an account owns, each declared once: a dataclass whose annotations give every field's type and rule.

`number: Annotated[str, Text(max_length=40)]`, `due: date | None = None`, `customer_id: Annotated[int,
Reference("customers")]`: the table, the API's schemas and the pages' forms are built from that one
declaration, and `check` enforces its rules before anything is stored (domain/notes.py is an example).
"""

import re
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from .errors import ValidationFailed

# The range of the database's INTEGER (32 bits on PostgreSQL), which ids and int fields are stored in.
MIN_INTEGER = -(2**31)
MAX_INTEGER = 2**31 - 1
KINDS = {
    str: "text",
    int: "whole number",
    Decimal: "number",
    bool: "yes or no",
    date: "date",
    datetime: "date and time",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """What every owned record has, set by the storage: the owner writes the fields of its subclass."""

    id: int
    owner_id: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Text:
    """A text's rule: at most `max_length` characters; `multiline` for paragraphs (stored as TEXT)."""

    max_length: int = 200
    multiline: bool = False


@dataclass(frozen=True, slots=True)
class Number:
    """A number's bounds (inclusive, None: any), and a decimal's digits and decimal places."""

    min: int | Decimal | None = None
    max: int | Decimal | None = None
    digits: int = 12
    places: int = 2


@dataclass(frozen=True, slots=True)
class Reference:
    """The id of another record of the same owner, in the table `to`.

    Deleting that record is refused while this one points at it, unless `cascade` says this record is
    a part of it (an invoice's lines), deleted with it.
    """

    to: str
    cascade: bool = False


Rule = Text | Number | Reference | None


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a record type, read from its declaration."""

    name: str
    type: type
    optional: bool
    rule: Rule
    default: object = None  # what a new record gets when the field is left out: `paid: bool = False`

    @property
    def required(self) -> bool:
        """Whether a new record must be given this field: it is neither optional nor has a default."""
        return not self.optional and self.default is None

    @property
    def label(self) -> str:
        """The field's name in prose: `due date`, `customer` for `customer_id`."""
        name = self.name.removesuffix("_id") if isinstance(self.rule, Reference) else self.name
        return name.replace("_", " ")


def label_of(record: type[Record]) -> str:
    """A record type's name in prose: `invoice line` for InvoiceLine."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", record.__name__).lower()


def fields(record: type[Record]) -> tuple[Field, ...]:
    """The fields the owner writes, in declaration order, each with its rule (a default one when none is given)."""
    found = []
    for name, hint in typing.get_type_hints(record, include_extras=True).items():
        if name in Record.__dataclass_fields__:
            continue
        rules = [rule for rule in getattr(hint, "__metadata__", ()) if isinstance(rule, Text | Number | Reference)]
        kind = hint.__origin__ if typing.get_origin(hint) is Annotated else hint
        optional = isinstance(kind, types.UnionType) and type(None) in kind.__args__
        if optional:
            (kind,) = (arg for arg in kind.__args__ if arg is not type(None))
        defaults: dict[type, Rule] = {str: Text(), int: Number(), Decimal: Number()}
        default = record.__dataclass_fields__[name].default
        rule = rules[0] if rules else defaults.get(kind)
        found.append(Field(name, kind, optional, rule, None if default is MISSING else default))
    return tuple(found)


def check(record: type[Record], values: Mapping[str, object], *, partial: bool = False) -> dict[str, object]:
    """The values cleaned by their fields' rules; ValidationFailed names the first that breaks one.

    `partial` is for a change: fields left out stay as they are, instead of being missing.
    """
    known = {field.name: field for field in fields(record)}
    for name in values.keys() - known.keys():
        raise ValidationFailed(f"There is no field {name!r}.", name)
    return {
        field.name: check_value(field, values.get(field.name, field.default))
        for field in known.values()
        if field.name in values or not partial
    }


def check_value(field: Field, value: object) -> object:
    """One value cleaned by its field's rule: text trimmed, numbers in range, instants with a time zone."""
    if isinstance(value, str) and field.type is str:
        value = value.strip() or None
    if value is None:
        if field.optional:
            return None
        raise ValidationFailed(f"The {field.label} is required.", field.name)
    if not isinstance(value, field.type) or (isinstance(value, bool) and field.type is not bool):
        raise ValidationFailed(f"The {field.label} must be a {KINDS[field.type]}.", field.name)
    if isinstance(field.rule, Text):
        return _check_text(field, field.rule, str(value))
    if isinstance(field.rule, Reference) and isinstance(value, int) and not 1 <= value <= MAX_INTEGER:
        raise ValidationFailed(f"{field.label} {value} not found", field.name)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return _check_number(field, field.rule if isinstance(field.rule, Number) else Number(), value)
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValidationFailed(f"The {field.label} must include a time zone.", field.name)
    return value


def _check_text(field: Field, rule: Text, text: str) -> str:
    if "\x00" in text:
        raise ValidationFailed(f"The {field.label} must not contain the NUL character.", field.name)
    if len(text) > rule.max_length:
        raise ValidationFailed(f"The {field.label} must have at most {rule.max_length} characters.", field.name)
    return text


def _check_number(field: Field, rule: Number, value: int | Decimal) -> int | Decimal:
    if isinstance(value, Decimal):
        value = _check_decimal(field, rule, value)
    elif not MIN_INTEGER <= value <= MAX_INTEGER:
        raise ValidationFailed(f"The {field.label} must be between {MIN_INTEGER} and {MAX_INTEGER}.", field.name)
    if rule.min is not None and value < rule.min:
        raise ValidationFailed(f"The {field.label} must be at least {rule.min}.", field.name)
    if rule.max is not None and value > rule.max:
        raise ValidationFailed(f"The {field.label} must be at most {rule.max}.", field.name)
    return value


def _check_decimal(field: Field, rule: Number, value: Decimal) -> Decimal:
    """The number with its column's decimal places, as the database gives it back (1.500 is 1.50)."""
    if not value.is_finite():
        raise ValidationFailed(f"The {field.label} must be a number.", field.name)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > rule.places:
        raise ValidationFailed(f"The {field.label} must have at most {rule.places} decimal places.", field.name)
    if abs(value) >= Decimal(10) ** (rule.digits - rule.places):
        whole = rule.digits - rule.places
        raise ValidationFailed(f"The {field.label} must have at most {whole} digits before the point.", field.name)
    return value.quantize(Decimal(10) ** -rule.places)
