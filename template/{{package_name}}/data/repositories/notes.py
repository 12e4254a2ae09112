"""Notes in SQL; every statement is scoped with `NoteRow.owned_by`, so nobody reaches another's notes."""

from datetime import datetime
from typing import Any, final

from sqlalchemy import ColumnElement, delete, select, tuple_, update
from sqlalchemy.orm import Session

from ...domain.notes import Note
from ...domain.pagination import PageRequest
from ...services.notes import NoteRepository
from ..tables.notes import NoteRow


def _one_of(owner_id: int, note_id: int) -> tuple[ColumnElement[bool], ...]:
    """The WHERE of a statement on one of the owner's notes."""
    return NoteRow.owned_by(owner_id), NoteRow.id == note_id


def to_note(row: NoteRow) -> Note:
    """Copy a row into the domain entity."""
    return Note(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        body=row.body,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@final
class SqlNoteRepository(NoteRepository):
    """Notes stored in the `notes` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, owner_id: int, title: str, body: str, created_at: datetime) -> Note:
        """Insert a note."""
        row = NoteRow(owner_id=owner_id, title=title, body=body, created_at=created_at, updated_at=created_at)
        self._session.add(row)
        self._session.flush()  # assigns the id
        return to_note(row)

    def get(self, owner_id: int, note_id: int) -> Note | None:
        """Return the owner's note with this id, if any."""
        row = self._session.scalars(select(NoteRow).where(*_one_of(owner_id, note_id))).first()
        return to_note(row) if row else None

    def list_page(self, owner_id: int, page: PageRequest) -> list[Note]:
        """Return up to `limit + 1` notes after the cursor, newest first (the extra one says "more")."""
        query = (
            select(NoteRow)
            .where(NoteRow.owned_by(owner_id))
            .order_by(NoteRow.created_at.desc(), NoteRow.id.desc())
            .limit(page.limit + 1)
        )
        if (after := page.cursor) is not None:
            query = query.where(tuple_(NoteRow.created_at, NoteRow.id) < (after.created_at, after.id))
        return [to_note(row) for row in self._session.scalars(query)]

    def update(
        self, owner_id: int, note_id: int, title: str | None, body: str | None, updated_at: datetime
    ) -> Note | None:
        """Change the given fields in one statement and return the note; None when there is none."""
        values: dict[str, Any] = {"updated_at": updated_at}
        if title is not None:
            values["title"] = title
        if body is not None:
            values["body"] = body
        statement = update(NoteRow).where(*_one_of(owner_id, note_id)).values(**values).returning(NoteRow)
        row = self._session.scalars(statement).first()
        return to_note(row) if row else None

    def delete(self, owner_id: int, note_id: int) -> bool:
        """Delete the owner's note; False when there was no such note."""
        statement = delete(NoteRow).where(*_one_of(owner_id, note_id)).returning(NoteRow.id)
        return self._session.scalars(statement).first() is not None
