"""Owned records in SQL: one repository for every resource, over the table `owned_table` built for it.

Every statement on an owned table keeps to one owner with `owned_by(table, owner_id)`; the tests'
ownership guard fails any other. A job that must read every account's records says so with
`across_owners`, the one way past that rule.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar, final

from sqlalchemy import ColumnElement, Executable, Result, Table, delete, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.errors import Conflict, NotFound, ValidationFailed
from ..domain.pagination import PageRequest
from ..domain.records import Record, Reference, fields, label_of
from .tables import TABLES, Base

T = TypeVar("T", bound=Record)
ACROSS_OWNERS = "across_owners"


def owned_by(table: Table, owner_id: int) -> ColumnElement[bool]:
    """The condition that keeps a statement to the rows of one owner."""
    return table.c.owner_id == owner_id


def owned_tables() -> list[Table]:
    """Every table whose rows belong to an account, by its `owner_id`: each resource's, and each `Owned` one."""
    return [table for table in Base.metadata.sorted_tables if "owner_id" in table.c]


def across_owners(statement: Executable, reason: str) -> Executable:
    """Mark a read that spans every account on purpose (a job's reminders, a report), saying why.

    The tests' ownership guard lets such a statement through and no other; keep them in jobs,
    never in a request's path, where one account's request must only see its own records.
    """
    return statement.execution_options(**{ACROSS_OWNERS: reason})


@final
class SqlRecords(Generic[T]):
    """One resource's records in its table (services.records.Records)."""

    def __init__(self, session: Session, record: type[T]) -> None:
        self._session = session
        self._record = record
        self._table = TABLES[record]

    def add(self, owner_id: int, values: Mapping[str, object], now: datetime) -> T:
        """Insert a record; ValidationFailed when a reference names a record the owner does not have."""
        self._check_references(owner_id, values)
        table = self._table
        statement = insert(table).values(**values, owner_id=owner_id, created_at=now, updated_at=now)
        return self._to_record(self._write(owner_id, values, statement.returning(*table.c)).one())

    def get(self, owner_id: int, record_id: int) -> T | None:
        """The owner's record with this id, if any."""
        query = select(self._table).where(*self._one_of(owner_id, record_id))
        row = self._session.execute(query).first()
        return self._to_record(row) if row else None

    def get_many(self, owner_id: int, record_ids: Collection[int]) -> list[T]:
        """The owner's records among these ids, in one statement."""
        query = select(self._table).where(owned_by(self._table, owner_id), self._table.c.id.in_(sorted(record_ids)))
        return [self._to_record(row) for row in self._session.execute(query)]

    def list_page(self, owner_id: int, page: PageRequest, where: Mapping[str, object]) -> list[T]:
        """Up to `limit + 1` records after the cursor, newest first (the extra one says "more").

        A reference in `where` (the invoice whose lines are listed) must be the owner's: NotFound otherwise.
        """
        try:
            self._check_references(owner_id, where)
        except ValidationFailed as error:
            raise NotFound(error.message) from None
        table = self._table
        query = (
            select(table)
            .where(owned_by(table, owner_id), *(table.c[name] == value for name, value in where.items()))
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(page.limit + 1)
        )
        if page.cursor is not None:
            query = query.where(tuple_(table.c.created_at, table.c.id) < (page.cursor.created_at, page.cursor.id))
        return [self._to_record(row) for row in self._session.execute(query)]

    def update(self, owner_id: int, record_id: int, changes: Mapping[str, object], now: datetime) -> T | None:
        """Change the given fields in one statement; None when there is no such record."""
        self._check_references(owner_id, changes)
        statement = update(self._table).where(*self._one_of(owner_id, record_id)).values(**changes, updated_at=now)
        row = self._write(owner_id, changes, statement.returning(*self._table.c)).first()
        return self._to_record(row) if row else None

    def delete(self, owner_id: int, record_id: int) -> bool:
        """Delete the owner's record; Conflict while another record references it."""
        statement = delete(self._table).where(*self._one_of(owner_id, record_id)).returning(self._table.c.id)
        try:
            return self._session.execute(statement).first() is not None
        except IntegrityError:
            label = label_of(self._record)
            message = f"{label} {record_id} is still referenced by other records; change or delete them first."
            raise Conflict(message) from None

    def _write(self, owner_id: int, values: Mapping[str, object], statement: Executable) -> Result[Any]:
        """Run an insert or update whose references were checked; one deleted since is the same ValidationFailed.

        Another request can delete the record a reference names between the check and this statement (a
        customer deleted while an invoice for them is saved): the foreign key refuses the row. PostgreSQL
        accepts nothing more in a transaction after that, and the use case fails anyway, so it is rolled
        back and the check runs again in a new one: it names the missing record, exactly as if it had been
        missing from the start. Any other refusal is raised as it was.
        """
        try:
            return self._session.execute(statement)
        except IntegrityError:
            self._session.rollback()
            self._check_references(owner_id, values)
            raise

    def _one_of(self, owner_id: int, record_id: int) -> tuple[ColumnElement[bool], ...]:
        return owned_by(self._table, owner_id), self._table.c.id == record_id

    def _check_references(self, owner_id: int, values: Mapping[str, object]) -> None:
        """Refuse a reference to a record the owner does not have, exactly as one that does not exist.

        The references are checked in the order of `values`, so the caller says which is refused first.
        """
        declared = {field.name: field for field in fields(self._record)}
        for name, value in values.items():
            field = declared[name]
            if isinstance(field.rule, Reference) and value is not None:
                target = Base.metadata.tables[field.rule.to]
                query = select(target.c.id).where(owned_by(target, owner_id), target.c.id == value)
                if self._session.execute(query).first() is None:
                    raise ValidationFailed(f"{field.label} {value} not found", field.name)

    def _to_record(self, row: Any) -> T:
        return self._record(**row._mapping)
