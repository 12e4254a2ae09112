"""Note use cases; every call is scoped to the owner, so another owner's note is simply NotFound.

The owner is an account id (a caller that already knows who is signed in, like the pages) or the
request's `AccessToken`, which is checked in the same unit of work as the use case: an API request
then costs one transaction instead of two. Reads go further: the token is checked by the read's
own statement (`TokenHolder`), so listing or reading notes is one SQL statement.
"""

from ..domain.errors import NotFound
from ..domain.notes import Note, check_body, clean_title
from ..domain.pagination import Cursor, Page, PageRequest
from .accounts import account_for_token, account_of_holder, utc_now
from .ports import Clock, Owner, TokenHolder, UnitOfWork, UnitOfWorkFactory
from .tokens import AccessToken, hash_token

# Whose notes: an authenticated account's id, or a bearer token still to be checked.
NoteOwner = int | AccessToken


class NoteService:
    """Create, read, list, change and delete the notes of one owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock = utc_now) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def _owner_id(self, uow: UnitOfWork, owner: NoteOwner) -> int:
        """The owner's account id; AuthenticationFailed for an unknown or expired token."""
        if isinstance(owner, AccessToken):
            return account_for_token(uow, owner.value, self._clock()).id
        return owner

    def _read_scope(self, owner: NoteOwner) -> Owner:
        """Whose notes a read returns: the account id, or the token's holder, checked by the read's own statement."""
        if isinstance(owner, AccessToken):
            return TokenHolder(hash_token(owner.value), self._clock())
        return owner

    @staticmethod
    def _authenticate_empty_read(uow: UnitOfWork, scope: Owner) -> None:
        """After a read found nothing: AuthenticationFailed if its token is unknown or expired (401, not 404)."""
        if isinstance(scope, TokenHolder):
            account_of_holder(uow, scope)  # the same token and instant as the read

    def create(self, owner: NoteOwner, title: str, body: str) -> Note:
        """Write a new note for the owner."""
        with self._uow_factory() as uow:
            owner_id = self._owner_id(uow, owner)  # first: an unauthenticated caller learns nothing else
            note = uow.notes.add(owner_id, clean_title(title), check_body(body), self._clock())
            uow.commit()
        return note

    def get(self, owner: NoteOwner, note_id: int) -> Note:
        """Return one of the owner's notes; NotFound otherwise."""
        scope = self._read_scope(owner)
        with self._uow_factory(read_only=True) as uow:
            note = uow.notes.get(scope, note_id)
            if note is None:
                self._authenticate_empty_read(uow, scope)
        if note is None:
            raise NotFound(f"Note {note_id} does not exist.")
        return note

    def list(self, owner: NoteOwner, page: PageRequest) -> Page[Note]:
        """Return one page of the owner's notes, newest first."""
        scope = self._read_scope(owner)
        with self._uow_factory(read_only=True) as uow:
            rows = uow.notes.list_page(scope, page)
            if not rows:
                self._authenticate_empty_read(uow, scope)
        items = rows[: page.limit]
        has_more = len(rows) > page.limit
        last = items[-1] if items else None
        next_cursor = Cursor(last.created_at, last.id) if has_more and last else None
        return Page(items=items, next_cursor=next_cursor)

    def update(self, owner: NoteOwner, note_id: int, title: str | None = None, body: str | None = None) -> Note:
        """Change the title and/or body of one of the owner's notes; NotFound otherwise."""
        with self._uow_factory() as uow:
            owner_id = self._owner_id(uow, owner)
            new_title = clean_title(title) if title is not None else None
            new_body = check_body(body) if body is not None else None
            note = uow.notes.update(owner_id, note_id, new_title, new_body, self._clock())
            if note is None:
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
        return note

    def delete(self, owner: NoteOwner, note_id: int) -> None:
        """Delete one of the owner's notes; NotFound otherwise."""
        with self._uow_factory() as uow:
            if not uow.notes.delete(self._owner_id(uow, owner), note_id):
                raise NotFound(f"Note {note_id} does not exist.")
            uow.commit()
