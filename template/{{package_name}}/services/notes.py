"""Note use cases: each call is scoped to the owner, so another owner's note is simply NotFound."""

from datetime import datetime
from typing import Protocol

from ..domain.errors import NotFound
from ..domain.notes import Note, check_body, clean_title
from ..domain.pagination import Page, PageRequest
from .ports import Clock, UnitOfWorkFactory, utc_now


class NoteRepository(Protocol):
    """Stores notes; every method takes the owner, so nobody reaches another's notes."""

    def add(self, owner_id: int, title: str, body: str, created_at: datetime) -> Note:
        """Insert a note."""

    def get(self, owner_id: int, note_id: int) -> Note | None:
        """Return the owner's note with this id, if any."""

    def list_page(self, owner_id: int, page: PageRequest) -> list[Note]:
        """Return up to `page.limit + 1` of the owner's notes after the cursor, newest first."""

    def update(
        self, owner_id: int, note_id: int, title: str | None, body: str | None, updated_at: datetime
    ) -> Note | None:
        """Change the given fields (None: unchanged) of the owner's note; None when there is no such note."""

    def delete(self, owner_id: int, note_id: int) -> bool:
        """Delete the owner's note; False when there was no such note."""


class NoteService:
    """Create, read, list, change and delete the notes of one owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory[NoteRepository], clock: Clock = utc_now) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def create(self, owner_id: int, title: str, body: str) -> Note:
        """Write a new note for the owner."""
        title, body = clean_title(title), check_body(body)
        with self._uow_factory() as uow:
            note = uow.repository.add(owner_id, title, body, self._clock())
            uow.commit()
        return note

    def get(self, owner_id: int, note_id: int) -> Note:
        """Return one of the owner's notes; NotFound otherwise."""
        with self._uow_factory(read_only=True) as uow:
            note = uow.repository.get(owner_id, note_id)
        if note is None:
            raise NotFound(f"Note {note_id} does not exist.")
        return note

    def list_page(self, owner_id: int, request: PageRequest) -> Page[Note]:
        """Return one page of the owner's notes, newest first."""
        with self._uow_factory(read_only=True) as uow:
            rows = uow.repository.list_page(owner_id, request)
        return Page.of(rows, request)

    def update(self, owner_id: int, note_id: int, title: str | None = None, body: str | None = None) -> Note:
        """Change the title and/or body of one of the owner's notes; NotFound otherwise."""
        title = clean_title(title) if title is not None else None
        body = check_body(body) if body is not None else None
        with self._uow_factory() as uow:
            note = uow.repository.update(owner_id, note_id, title, body, self._clock())
            if note is None:
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
        return note

    def delete(self, owner_id: int, note_id: int) -> None:
        """Delete one of the owner's notes; NotFound otherwise."""
        with self._uow_factory() as uow:
            if not uow.repository.delete(owner_id, note_id):
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
