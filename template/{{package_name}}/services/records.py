"""The use cases every owned resource has: create, read, list, change and delete, scoped to one owner.

A resource's service is a subclass named after it (`class NoteService(OwnedService[Note])` in
services/notes.py), found by the composition root on its own; use cases of its own are its methods.
Another owner's record is NotFound, exactly like one that does not exist.
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar, get_args, get_origin

from ..domain.errors import NotFound
from ..domain.pagination import Page, PageRequest
from ..domain.records import MAX_INTEGER, Record, check, label_of
from .ports import Clock, UnitOfWorkFactory, utc_now

T = TypeVar("T", bound=Record)


class Records(Protocol[T]):
    """Stores one resource's records; every method takes the owner, so nobody reaches another's.

    `add` and `update` refuse a reference to a record the owner does not have (ValidationFailed);
    `delete` refuses a record that others still reference (Conflict).
    """

    def add(self, owner_id: int, values: Mapping[str, object], now: datetime) -> T:
        """Insert a record with these (checked) values."""

    def get(self, owner_id: int, record_id: int) -> T | None:
        """The owner's record with this id, if any."""

    def get_many(self, owner_id: int, record_ids: Collection[int]) -> list[T]:
        """The owner's records among these ids, read together; another owner's are left out like missing ones."""

    def list_page(self, owner_id: int, page: PageRequest, where: Mapping[str, object]) -> list[T]:
        """Up to `page.limit + 1` of the owner's records after the cursor, newest first, whose fields equal `where`."""

    def update(self, owner_id: int, record_id: int, changes: Mapping[str, object], now: datetime) -> T | None:
        """Change these fields of the owner's record; None when there is no such record."""

    def delete(self, owner_id: int, record_id: int) -> bool:
        """Delete the owner's record; False when there was no such record."""


class OwnedService(Generic[T]):
    """Create, read, list, change and delete the records of one owner."""

    record: ClassVar[type[Any]]  # the resource's record type, from `OwnedService[Note]`

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):  # a subclass of a subclass inherits `record`
            if get_origin(base) is OwnedService:
                cls.record = get_args(base)[0]

    def __init__(self, records: UnitOfWorkFactory[Records[T]], clock: Clock = utc_now) -> None:
        self._records = records
        self._clock = clock

    def create(self, owner_id: int, values: Mapping[str, object]) -> T:
        """Write a new record for the owner."""
        checked = check(self.record, values)
        with self._records() as uow:
            record = uow.repository.add(owner_id, checked, self._clock())
            uow.commit()
        return record

    def get(self, owner_id: int, record_id: int) -> T:
        """One of the owner's records; NotFound otherwise."""
        if not _is_id(record_id):
            raise self.not_found(record_id)
        with self._records(read_only=True) as uow:
            record = uow.repository.get(owner_id, record_id)
        if record is None:
            raise self.not_found(record_id)
        return record

    def get_many(self, owner_id: int, record_ids: Collection[int]) -> dict[int, T]:
        """The owner's records among these ids, by id, read at once (a page's references); missing ones left out."""
        wanted = {record_id for record_id in record_ids if _is_id(record_id)}
        if not wanted:
            return {}
        with self._records(read_only=True) as uow:
            return {record.id: record for record in uow.repository.get_many(owner_id, wanted)}

    def list_page(self, owner_id: int, request: PageRequest, **where: object) -> Page[T]:
        """One page of the owner's records, newest first; `where` keeps those whose fields have these values."""
        with self._records(read_only=True) as uow:
            rows = uow.repository.list_page(owner_id, request, where)
        return Page.of(rows, request)

    def update(self, owner_id: int, record_id: int, changes: Mapping[str, object]) -> T:
        """Change some fields of one of the owner's records; NotFound otherwise."""
        checked = check(self.record, changes, partial=True)
        if not _is_id(record_id):
            raise self.not_found(record_id)
        with self._records() as uow:
            record = uow.repository.update(owner_id, record_id, checked, self._clock())
            if record is None:
                raise self.not_found(record_id)
            uow.commit()
        return record

    def delete(self, owner_id: int, record_id: int) -> None:
        """Delete one of the owner's records; NotFound otherwise, Conflict while others reference it."""
        if not _is_id(record_id):
            raise self.not_found(record_id)
        with self._records() as uow:
            if not uow.repository.delete(owner_id, record_id):
                raise self.not_found(record_id)
            uow.commit()

    def not_found(self, record_id: int) -> NotFound:
        """The error for a record the owner does not have: `invoice line 5 not found`."""
        return NotFound(f"{label_of(self.record)} {record_id} not found")


def _is_id(record_id: int) -> bool:
    """Whether the number can be an id at all (a larger one cannot be stored, so no record has it)."""
    return 1 <= record_id <= MAX_INTEGER
