"""Note use cases; every call is scoped to the owner, so another owner's note is simply NotFound."""

from ..domain.errors import NotFound
from ..domain.notes import Note, check_body, clean_title
from ..domain.pagination import Cursor, Page, PageRequest
from .accounts import utc_now
from .ports import Clock, UnitOfWorkFactory


class NoteService:
    """Create, read, list, change and delete the notes of one owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def create(self, owner_id: int, title: str, body: str) -> Note:
        """Write a new note for the owner."""
        title, body = clean_title(title), check_body(body)
        with self._uow_factory() as uow:
            note = uow.notes.add(owner_id, title, body, self._clock())
            uow.commit()
        return note

    def get(self, owner_id: int, note_id: int) -> Note:
        """Return one of the owner's notes; NotFound otherwise."""
        with self._uow_factory() as uow:
            note = uow.notes.get(owner_id, note_id)
        if note is None:
            raise NotFound(f"Note {note_id} does not exist.")
        return note

    def list(self, owner_id: int, page: PageRequest) -> Page[Note]:
        """Return one page of the owner's notes, newest first."""
        with self._uow_factory() as uow:
            rows = uow.notes.list_page(owner_id, page)
        items = rows[: page.limit]
        has_more = len(rows) > page.limit
        last = items[-1] if items else None
        next_cursor = Cursor(last.created_at, last.id) if has_more and last else None
        return Page(items=items, next_cursor=next_cursor)

    def update(self, owner_id: int, note_id: int, title: str | None = None, body: str | None = None) -> Note:
        """Change the title and/or body of one of the owner's notes; NotFound otherwise."""
        new_title = clean_title(title) if title is not None else None
        new_body = check_body(body) if body is not None else None
        with self._uow_factory() as uow:
            note = uow.notes.update(owner_id, note_id, new_title, new_body, self._clock())
            if note is None:
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
        return note

    def delete(self, owner_id: int, note_id: int) -> None:
        """Delete one of the owner's notes; NotFound otherwise."""
        with self._uow_factory() as uow:
            if not uow.notes.delete(owner_id, note_id):
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
