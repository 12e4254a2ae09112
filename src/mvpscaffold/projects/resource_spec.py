"""What `mvpscaffold add resource` is asked to add: its names and fields, validated (no I/O).

Fields and names are plain dicts, as the `resource` answer records them: the template renders
from that answer and the resource's answers file keeps it.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mvpscaffold.errors import UserInputError

FIELD_TYPES = ("str", "text", "int", "decimal", "bool", "date", "datetime", "ref")
DEFAULT_STR_LENGTH = 200
MAX_STR_LENGTH = 10_000
MAX_NAME_LENGTH = 30
MAX_FIELDS = 30
# PostgreSQL truncates longer identifiers (index and constraint names are built from table names).
MAX_IDENTIFIER_LENGTH = 63
# The range of the database's INTEGER, and the largest decimal (12 digits, 2 decimal places).
MAX_INTEGER = 2**31 - 1
MAX_DECIMAL = Decimal("9999999999.99")
_NAME_RE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# NAME:TYPE, then (ARGUMENTS) or :LENGTH, then ? for an optional field.
_FIELD_RE = re.compile(
    r"(?P<name>[^:]*):(?P<type>\w+)(?:\((?P<args>[^)]*)\))?(?::(?P<length>[^?]*))?(?P<optional>\?)?"
)
# Words PostgreSQL or SQLite reserve: a table or column so named needs quoting in every query.
_SQL_RESERVED_WORDS = """
all analyse analyze and any array as asc asymmetric authorization between binary both case cast
check collate collation column concurrently constraint create cross current_catalog current_date
current_role current_schema current_time current_timestamp current_user default deferrable
delete desc distinct do drop else end except exists false fetch for foreign freeze from full
grant group having ilike in index initially inner insert intersect into is isnull join lateral
leading left like limit localtime localtimestamp natural not notnull null offset on only or
order outer overlaps placing primary references returning right select session_user similar some
symmetric table tablesample then to trailing transaction true union unique update user using
values variadic verbose when where window with
"""
SQL_RESERVED = frozenset(_SQL_RESERVED_WORDS.split())
# Names every record has, or that the code around a resource's fields uses (form parameters).
_TAKEN_WORDS = """
account container csrf_token cursor date datetime decimal errors fields form id owner_id page path
record records request self created_at updated_at
"""
TAKEN_NAMES = frozenset(_TAKEN_WORDS.split())
# Collections the app already serves, outside any feature module.
TAKEN_COLLECTIONS = frozenset({"docs", "redoc", "static", "metrics", "api", "healthz", "readyz"})


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A resource to add: its `resource` answer (no revision yet), and the addresses it serves."""

    answer: dict[str, Any]
    name: str
    singular: str
    parent: dict[str, Any] | None
    api_url: str

    @property
    def page_url(self) -> str:
        """Where the pages list the collection."""
        return self.api_url.removeprefix("/api")


def singular_of(name: str) -> str:
    """The singular of a plural snake_case name: invoices -> invoice, categories -> category."""
    head, _, last = name.rpartition("_")
    if last.endswith("ies") and len(last) > 3:
        single = last[:-3] + "y"
    elif last.endswith(("sses", "ches", "shes", "xes", "zes")):
        single = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        single = last[:-1]
    else:
        raise UserInputError(
            f"{name!r} does not look like a plural; give the resource's plural name"
            " (invoices, not invoice), or its singular with --singular (people --singular person)."
        )
    return f"{head}_{single}" if head else single


def resource_names(name: str, segment: str, singular: str | None = None) -> dict[str, str]:
    """The names a resource's templates use, from its plural name and its address's last part.

    The singular follows the usual English rule (invoices -> invoice) unless one is given.
    """
    singular = singular or singular_of(name)
    return {
        "name": name,
        "singular": singular,
        "entity": "".join(part.capitalize() for part in singular.split("_")),
        "label": singular.replace("_", " "),
        "plural_label": name.replace("_", " "),
        "entity_plural_title": name.replace("_", " ").capitalize(),
        "segment": segment.replace("_", "-"),
    }


def check_name(name: str, what: str) -> None:
    """Refuse a name that is not snake_case, too long, a Python keyword or an SQL reserved word."""
    if not _NAME_RE.fullmatch(name):
        raise UserInputError(
            f"The {what} {name!r} must be snake_case: lowercase letters, digits and single"
            " underscores, starting with a letter."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise UserInputError(
            f"The {what} {name!r} is longer than {MAX_NAME_LENGTH} characters;"
            " choose a shorter one."
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise UserInputError(f"The {what} {name!r} is a Python keyword; choose another name.")
    if name in SQL_RESERVED:
        raise UserInputError(f"The {what} {name!r} is an SQL reserved word; choose another name.")


def parse_field(text: str) -> dict[str, Any]:
    """Read `NAME:TYPE`, `NAME:str:LENGTH`, `NAME:int(min=1,max=9)` or `NAME:ref(TABLE)`.

    A `?` at the end makes the field optional. The field comes back as the answer records it.
    """
    found = _FIELD_RE.fullmatch(text.strip())
    if found is None or not found["name"]:
        raise UserInputError(
            f"The field {text!r} must be written NAME:TYPE (such as title:str:80, due:date?,"
            " quantity:int(min=1) or customer:ref(customers))."
        )
    name, kind, args, length = found["name"], found["type"], found["args"], found["length"]
    if kind not in FIELD_TYPES:
        raise UserInputError(
            f"The field {name!r} has the unknown type {kind!r};"
            f" use one of {', '.join(FIELD_TYPES)}."
        )
    if kind == "ref" and not name.endswith("_id"):
        name = f"{name}_id"
    check_name(name, "field name")
    if name in TAKEN_NAMES or name.startswith("model_"):
        raise UserInputError(
            f"The field name {name!r} is taken by the code every resource has; choose another name."
        )
    field: dict[str, Any] = {"name": name, "type": kind, "optional": bool(found["optional"])}
    if length is not None and kind != "str":
        raise UserInputError(
            f"Only str fields take a length; write {name}:{kind} without :{length}."
        )
    if kind == "ref":
        if not args or not _NAME_RE.fullmatch(args.strip()):
            raise UserInputError(
                f"The reference {name!r} must name the resource it refers to:"
                f" {name.removesuffix('_id')}:ref(customers)."
            )
        return field | {"to": args.strip()}
    if args is not None and kind not in ("int", "decimal"):
        raise UserInputError(
            f"Only int and decimal fields take bounds; write {name}:{kind} without ({args})."
        )
    if kind != "str":
        return field | _bounds(name, kind, args or "")
    if length is not None and (not length.isdigit() or not 1 <= int(length) <= MAX_STR_LENGTH):
        raise UserInputError(
            f"The length of {name!r} must be a whole number from 1 to {MAX_STR_LENGTH};"
            " use text for longer ones."
        )
    return field | {"length": int(length or DEFAULT_STR_LENGTH)}


def _bounds(name: str, kind: str, args: str) -> dict[str, int | str]:
    """The `min=` and `max=` of `quantity:int(min=1,max=99)`, checked against the column.

    A decimal bound is recorded as text, so that it is exact in the answers file.
    """
    bounds: dict[str, int | Decimal] = {}
    limit = Decimal(MAX_INTEGER) if kind == "int" else MAX_DECIMAL
    for part in filter(None, (piece.strip() for piece in args.split(","))):
        key, _, raw = (piece.strip() for piece in part.partition("="))
        if key not in ("min", "max") or key in bounds:
            raise UserInputError(
                f"The bounds of {name!r} are written {kind}(min=1,max=99), each once; not {part!r}."
            )
        try:
            value = int(raw) if kind == "int" else Decimal(raw)
            if isinstance(value, Decimal) and not value.is_finite():
                raise InvalidOperation
        except (ValueError, InvalidOperation):
            whole = "a whole number" if kind == "int" else "a number"
            raise UserInputError(f"The {key} of {name!r} must be {whole}, not {raw!r}.") from None
        if abs(number := Decimal(value)) > limit or number != round(number, 2):
            fits = (
                f"between {-limit - 1} and" if kind == "int" else "at most 2 decimal places, up to"
            )
            raise UserInputError(f"The {key} of {name!r} must fit the column: {fits} {limit}.")
        bounds[key] = value
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        raise UserInputError(f"The min of {name!r} is above its max; swap them.")
    return {  # min, then max
        key: value if isinstance(value, int) else str(value)
        for key, value in sorted(bounds.items(), reverse=True)
    }


def build_spec(
    name: str,
    fields: list[dict[str, Any]],
    parent: dict[str, Any] | None,
    singular: str | None = None,
) -> ResourceSpec:
    """Check the resource as a whole: its name, its fields together, and what its names become.

    `singular` overrides the usual rule's singular (people: person).
    """
    check_name(name, "resource name")
    if singular is not None:
        check_name(singular, "singular name")
        if singular == name:
            raise UserInputError(
                f"The singular name {singular!r} is the resource's name itself; give its"
                " singular (--singular person for people)."
            )
    if name in TAKEN_COLLECTIONS:
        raise UserInputError(
            f"The resource name {name!r} is an address the app already serves; choose another name."
        )
    segment = (name.removeprefix(f"{parent['singular']}_") or name) if parent else name
    names = resource_names(name, segment, singular)
    singular = names["singular"]
    if singular in TAKEN_NAMES or keyword.iskeyword(singular):
        raise UserInputError(
            f"The resource {name!r} would name its records {singular!r}, which the code"
            " around them already uses; choose another name."
        )
    if not fields:
        raise UserInputError(
            f"The resource {name!r} needs at least one field; give --field NAME:TYPE."
        )
    if len(fields) > MAX_FIELDS:
        raise UserInputError(
            f"A resource takes at most {MAX_FIELDS} fields; split {name!r} into two."
        )
    keys = [("owner_id", "accounts")]  # (column, table it refers to) of each foreign key
    keys += [(f"{parent['singular']}_id", parent["name"])] if parent else []
    given = [field["name"] for field in fields]
    for field in fields:
        if given.count(field["name"]) > 1:
            raise UserInputError(
                f"The field {field['name']!r} is given twice; give each field once."
            )
        if parent is not None and field["name"] == f"{parent['singular']}_id":
            raise UserInputError(
                f"The field {field['name']!r} is the link to the {parent['label']};"
                " choose another name."
            )
        if field["name"] == f"{singular}_id":
            raise UserInputError(
                f"The field {field['name']!r} would be the id of the {names['label']} itself;"
                " choose another name."
            )
        if field.get("to") == name:
            raise UserInputError(
                f"The field {field['name']!r} refers to {name} itself, and a resource cannot refer"
                " to its own records (its tests and pages do not handle a tree); refer to another"
                " resource."
            )
        keys += [(field["name"], field["to"])] if "to" in field else []
    # The index and constraint names the table gets: PostgreSQL would cut a longer one short.
    identifiers = [f"ix_{name}_owner_id_created_at_id", *(f"fk_{name}_{k}_{t}" for k, t in keys)]
    identifiers += [f"ck_{name}_{f['name']}_{b}" for f in fields for b in ("min", "max") if b in f]
    if len(longest := max(identifiers, key=len)) > MAX_IDENTIFIER_LENGTH:
        raise UserInputError(
            f"The resource {name!r} makes the database name {longest!r},"
            f" longer than {MAX_IDENTIFIER_LENGTH} characters; choose shorter names."
        )
    url = f"/api/{names['segment']}"
    if parent is not None:
        url = f"/api/{parent['segment']}/{{{parent['singular']}_id}}/{names['segment']}"
    answer = {**names, "parent": parent, "fields": fields}
    return ResourceSpec(answer, name, singular, parent, url)
