"""What `mvpscaffold add resource` is asked to add: its names and fields, validated (no I/O)."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

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
class FieldSpec:
    """One field: `title:str:80`, `due:date?`, `quantity:int(min=1)`, `customer:ref(customers)`."""

    name: str
    type: str
    optional: bool = False
    length: int | None = None
    min: int | Decimal | None = None
    max: int | Decimal | None = None
    to: str | None = None  # a reference's table

    def answer(self) -> dict[str, object]:
        """The field as the resource template's answers record it (a decimal bound as text)."""
        found: dict[str, object] = {"name": self.name, "type": self.type, "optional": self.optional}
        for key in ("length", "min", "max", "to"):
            value = getattr(self, key)
            if value is not None:
                found[key] = (
                    int(value)
                    if isinstance(value, int)
                    else (str(value) if isinstance(value, Decimal) else value)
                )
        return found


@dataclass(frozen=True, slots=True)
class ParentSpec:
    """The resource a child belongs to, as its own answers file recorded it."""

    name: str
    singular: str
    entity: str
    label: str
    plural_label: str
    entity_plural_title: str
    segment: str


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    """A resource to add: plural name (module, table), its entity, fields and parent."""

    name: str
    singular: str
    entity: str
    segment: str
    fields: tuple[FieldSpec, ...]
    parent: ParentSpec | None = None

    @property
    def label(self) -> str:
        """The singular as prose: `invoice line`."""
        return self.singular.replace("_", " ")

    @property
    def plural_label(self) -> str:
        """The plural as prose: `invoice lines`."""
        return self.name.replace("_", " ")

    @property
    def api_url(self) -> str:
        """Where the JSON API serves the collection."""
        if self.parent is None:
            return f"/api/{self.segment}"
        return f"/api/{self.parent.segment}/{{{self.parent.singular}_id}}/{self.segment}"

    @property
    def page_url(self) -> str:
        """Where the pages list the collection."""
        return self.api_url.removeprefix("/api")

    def answer(self, revision: str, down_revision: str, created: str) -> dict[str, object]:
        """The `resource` answer the template renders from (and the answers file keeps)."""
        parent = None
        if self.parent is not None:
            parent = {
                key: getattr(self.parent, key)
                for key in ParentSpec.__dataclass_fields__  # keeps the declared order
            }
        return {
            "name": self.name,
            "singular": self.singular,
            "entity": self.entity,
            "label": self.label,
            "plural_label": self.plural_label,
            "entity_plural_title": self.plural_label.capitalize(),
            "segment": self.segment,
            "parent": parent,
            "fields": [field.answer() for field in self.fields],
            "revision": revision,
            "down_revision": down_revision,
            "created": created,
        }


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
            " (invoices, not invoice)."
        )
    return f"{head}_{single}" if head else single


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


def parse_field(text: str) -> FieldSpec:
    """Read `NAME:TYPE`, `NAME:str:LENGTH`, `NAME:int(min=1,max=9)` or `NAME:ref(TABLE)`.

    A `?` at the end makes the field optional.
    """
    found = _FIELD_RE.fullmatch(text.strip())
    if found is None or not found["name"]:
        raise UserInputError(
            f"The field {text!r} must be written NAME:TYPE (such as title:str:80, due:date?,"
            " quantity:int(min=1) or customer:ref(customers))."
        )
    kind, optional, args, length = (
        found["type"],
        bool(found["optional"]),
        found["args"],
        found["length"],
    )
    name = found["name"]
    if kind not in FIELD_TYPES:
        raise UserInputError(
            f"The field {name!r} has the unknown type {kind!r};"
            f" use one of {', '.join(FIELD_TYPES)}."
        )
    if kind == "ref":
        name = name if name.endswith("_id") else f"{name}_id"
    _check_field_name(name)
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
        return FieldSpec(name, kind, optional, to=args.strip())
    if args is not None and kind not in ("int", "decimal"):
        raise UserInputError(
            f"Only int and decimal fields take bounds; write {name}:{kind} without ({args})."
        )
    low, high = _bounds(name, kind, args or "")
    if kind == "str":
        if length is not None and (not length.isdigit() or not 1 <= int(length) <= MAX_STR_LENGTH):
            raise UserInputError(
                f"The length of {name!r} must be a whole number from 1 to {MAX_STR_LENGTH};"
                " use text for longer ones."
            )
        return FieldSpec(name, kind, optional, int(length) if length else DEFAULT_STR_LENGTH)
    return FieldSpec(name, kind, optional, min=low, max=high)


def _check_field_name(name: str) -> None:
    check_name(name, "field name")
    if name in TAKEN_NAMES or name.startswith("model_"):
        raise UserInputError(
            f"The field name {name!r} is taken by the code every resource has; choose another name."
        )


def _bounds(name: str, kind: str, args: str) -> tuple[int | Decimal | None, int | Decimal | None]:
    """The `min=` and `max=` of `quantity:int(min=1,max=99)`, checked against the column."""
    bounds: dict[str, int | Decimal] = {}
    limit = MAX_INTEGER if kind == "int" else MAX_DECIMAL
    for part in filter(None, (piece.strip() for piece in args.split(","))):
        key, _, raw = part.partition("=")
        key = key.strip()
        if key not in ("min", "max") or key in bounds:
            raise UserInputError(
                f"The bounds of {name!r} are written {kind}(min=1,max=99), each once; not {part!r}."
            )
        try:
            value: int | Decimal = int(raw) if kind == "int" else Decimal(raw.strip())
        except (ValueError, InvalidOperation):
            whole = "a whole number" if kind == "int" else "a number"
            raise UserInputError(
                f"The {key} of {name!r} must be {whole}, not {raw.strip()!r}."
            ) from None
        if not value.is_finite() if isinstance(value, Decimal) else False:
            raise UserInputError(f"The {key} of {name!r} must be a number, not {raw.strip()!r}.")
        if isinstance(value, Decimal) and (
            value != value.quantize(Decimal("0.01")) or abs(value) > limit
        ):
            raise UserInputError(
                f"The {key} of {name!r} must fit the column:"
                f" at most 2 decimal places, up to {limit}."
            )
        if isinstance(value, int) and abs(value) > limit:
            raise UserInputError(f"The {key} of {name!r} must be between {-limit - 1} and {limit}.")
        bounds[key] = value
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None and low > high:
        raise UserInputError(f"The min of {name!r} is above its max; swap them.")
    return low, high


def build_spec(name: str, fields: list[FieldSpec], parent: ParentSpec | None) -> ResourceSpec:
    """Check the resource as a whole: its name, its fields together, and what its names become."""
    check_name(name, "resource name")
    if name in TAKEN_COLLECTIONS:
        raise UserInputError(
            f"The resource name {name!r} is an address the app already serves; choose another name."
        )
    singular = singular_of(name)
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
    seen: set[str] = set()
    for field in fields:
        if field.name in seen:
            raise UserInputError(f"The field {field.name!r} is given twice; give each field once.")
        seen.add(field.name)
        if parent is not None and field.name == f"{parent.singular}_id":
            raise UserInputError(
                f"The field {field.name!r} is the link to the {parent.label}; choose another name."
            )
        if field.name == f"{singular}_id":
            raise UserInputError(
                f"The field {field.name!r} would be the id of the"
                f" {singular.replace('_', ' ')} itself;"
                " choose another name."
            )
    segment = name
    if parent is not None:
        segment = name.removeprefix(f"{parent.singular}_") or name
    entity = "".join(part.capitalize() for part in singular.split("_"))
    spec = ResourceSpec(name, singular, entity, segment.replace("_", "-"), tuple(fields), parent)
    _check_identifier_lengths(spec)
    return spec


def _check_identifier_lengths(spec: ResourceSpec) -> None:
    """Refuse names whose index or constraint names PostgreSQL would cut short."""
    keys = [("owner_id", "accounts")] + [
        (field.name, field.to) for field in spec.fields if field.to
    ]
    if spec.parent is not None:
        keys.append((f"{spec.parent.singular}_id", spec.parent.name))
    identifiers = [f"ix_{spec.name}_owner_id_created_at_id"]
    identifiers += [f"fk_{spec.name}_{key}_{target}" for key, target in keys]
    identifiers += [
        f"ck_{spec.name}_{f.name}_{key}"
        for f in spec.fields
        for key in ("min", "max")
        if getattr(f, key) is not None
    ]
    for identifier in identifiers:
        if len(identifier) > MAX_IDENTIFIER_LENGTH:
            raise UserInputError(
                f"The resource {spec.name!r} makes the database name {identifier!r},"
                f" longer than {MAX_IDENTIFIER_LENGTH} characters; choose shorter names."
            )
