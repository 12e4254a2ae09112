"""What every table shares: the declarative base, its naming convention, UTC datetimes, and owned tables."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    literal,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.schema import SchemaItem
from sqlalchemy.types import TypeEngine

from ...domain import records
from ...domain.records import Field, Number, Record, Reference, fields

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and returns them aware, on SQLite (no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes, which would be silently misread later."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, datetime)  # noqa: S101 - the impl type guarantees it
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every table; owns the metadata Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime}  # noqa: RUF012 - SQLAlchemy reads it once


class Owned:
    """Mixin of a table written by hand with SQLAlchemy's ORM whose rows belong to one account.

    It adds the same indexed `owner_id`, deleted with the account, that `owned_table` gives every
    resource's table; `owned_by` is the condition that keeps a statement to one owner's rows.
    """

    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)

    @classmethod
    def owned_by(cls, owner_id: int) -> ColumnElement[bool]:
        """The condition that keeps a statement to the rows of one owner."""
        return cls.owner_id == owner_id


# The table of each record type, filled by `owned_table` as data/tables/ is imported.
TABLES: dict[type[Record], Table] = {}


def owned_table(name: str, record: type[Record], *extra: SchemaItem) -> Table:
    """The table of a record type: an id, the indexed owner, a column per field, and the times.

    `extra` adds what the fields cannot say: an index for a list that filters or sorts on a field,
    a unique constraint.
    """
    table = Table(
        name,
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
        *(_column(field) for field in fields(record)),
        Column("created_at", UtcDateTime, nullable=False, index=True),
        Column("updated_at", UtcDateTime, nullable=False),
        # Serves the owner's newest-first keyset listing without a sort step.
        Index(f"ix_{name}_owner_id_created_at_id", "owner_id", "created_at", "id"),
        *_bounds(fields(record)),
        *extra,
    )
    TABLES[record] = table
    return table


def _column(field: Field) -> Column[Any]:
    rule = field.rule
    if isinstance(rule, Reference):
        target = ForeignKey(f"{rule.to}.id", ondelete="CASCADE" if rule.cascade else None)
        return Column(field.name, target, nullable=field.optional, index=True)
    kind: TypeEngine[Any] | type[TypeEngine[Any]]
    if isinstance(rule, records.Text):
        kind = Text if rule.multiline else String(rule.max_length)
    elif isinstance(rule, Number) and field.type is not int:
        kind = Numeric(rule.digits, rule.places)
    else:
        kind = {int: Integer, bool: Boolean, date: Date, datetime: UtcDateTime}[field.type]
    return Column(field.name, kind, nullable=field.optional, server_default=_server_default(field.default))


def _server_default(default: object) -> ColumnElement[Any] | None:
    """A field's default as the database's own, so that adding the field to a table gives its rows that value.

    A quoted constant each database converts to the column's type (`'12.50'`, `'-3'`, `'2025-01-31'`), and
    for a boolean SQL's `true()` or `false()` (`0` on SQLite; data/migrations/env.py writes it so in a
    migration): squawk (`make migrations-lint`) then sees a constant, which PostgreSQL adds without
    rewriting the table. The application writes every field itself, so this default only fills the rows
    a table already has when the field is added.
    """
    if default is None:
        return None
    if isinstance(default, bool):
        return true() if default else false()
    if isinstance(default, datetime):
        default = default.astimezone(UTC).isoformat(sep=" ")  # with its offset: PostgreSQL reads it as UTC
    return literal(str(default))


def _bounds(declared: tuple[Field, ...]) -> list[CheckConstraint]:
    """The database's copy of each number's bounds: `ck_<table>_<field>_min`, `..._max`."""
    checks = []
    for field in declared:
        if isinstance(field.rule, Number):
            if field.rule.min is not None:
                checks.append(CheckConstraint(f"{field.name} >= {field.rule.min}", name=f"{field.name}_min"))
            if field.rule.max is not None:
                checks.append(CheckConstraint(f"{field.name} <= {field.rule.max}", name=f"{field.name}_max"))
    return checks
