"""Ports: what the use cases need from storage, e-mail and jobs; `data/`, `integrations/` and `jobs/` implement them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from ..domain.accounts import Account
from ..domain.notes import Note
from ..domain.pagination import PageRequest


@dataclass(frozen=True, slots=True)
class EmailMessage:
    """A plain-text e-mail to one recipient."""

    to: str
    subject: str
    body: str


class EmailSender(Protocol):
    """Delivers e-mail (SMTP in production, the console in development, a list in tests)."""

    def send(self, message: EmailMessage) -> None:
        """Deliver the message or raise."""


class JobQueue(Protocol):
    """Schedules background work; each method is one job."""

    def enqueue_welcome_email(self, account_id: int) -> None:
        """Schedule the welcome e-mail of a new account."""


class AccountRepository(Protocol):
    """Stores accounts."""

    def add(self, email: str, password_hash: str, created_at: datetime) -> Account:
        """Insert an account; raise Conflict when the e-mail address is taken."""

    def get(self, account_id: int) -> Account | None:
        """Return the account with this id, if any."""

    def get_by_email(self, email: str) -> Account | None:
        """Return the account with this (normalized) e-mail address, if any."""

    def list_awaiting_welcome_email(self, created_after: datetime, created_before: datetime, limit: int) -> list[int]:
        """Return ids of accounts created in the window whose welcome e-mail is not stamped."""

    def set_password_hash(self, account_id: int, password_hash: str) -> None:
        """Replace the stored password hash (after a cost upgrade)."""

    def mark_welcome_email_sent(self, account_id: int, sent_at: datetime) -> None:
        """Record that the welcome e-mail went out."""


class TokenRepository(Protocol):
    """Stores API tokens by their SHA-256 hash, never in clear."""

    def add(self, account_id: int, token_hash: str, created_at: datetime, expires_at: datetime) -> None:
        """Store a new token."""

    def find_account(self, token_hash: str, now: datetime) -> Account | None:
        """Return the owner of an unexpired token, in one query."""

    def delete(self, token_hash: str) -> None:
        """Revoke a token (no error when already gone)."""


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Whoever holds an unexpired API token: an owner that a read resolves inside its own statement.

    A read scoped to a TokenHolder checks the token and fetches the rows in one SQL statement, so an
    authenticated API read is one round trip to the database instead of two. An unknown or expired
    token owns nothing: the read finds no rows, and only then does the use case look the token up
    on its own, to answer 401 instead of an empty page or a 404.
    """

    token_hash: str = field(repr=False)
    now: datetime


# Whose records a read is scoped to: an account id (the pages know who is signed in) or a token's holder.
Owner = int | TokenHolder


class NoteRepository(Protocol):
    """Stores notes; every method is scoped to one owner, so nobody reaches another's notes."""

    def add(self, owner_id: int, title: str, body: str, created_at: datetime) -> Note:
        """Insert a note."""

    def get(self, owner: Owner, note_id: int) -> Note | None:
        """Return the owner's note with this id, if any."""

    def list_page(self, owner: Owner, page: PageRequest) -> list[Note]:
        """Return up to `page.limit + 1` of the owner's notes after the cursor, newest first."""

    def update(
        self,
        owner_id: int,
        note_id: int,
        title: str | None,
        body: str | None,
        updated_at: datetime,
    ) -> Note | None:
        """Change the given fields of the owner's note and return it; None when there is no such note."""

    def delete(self, owner_id: int, note_id: int) -> bool:
        """Delete the owner's note; False when there was no such note."""


class UnitOfWork(Protocol):
    """One transaction over all repositories; leaving the block without `commit()` rolls back."""

    @property
    def accounts(self) -> AccountRepository:
        """The accounts of this transaction."""

    @property
    def tokens(self) -> TokenRepository:
        """The API tokens of this transaction."""

    @property
    def notes(self) -> NoteRepository:
        """The notes of this transaction."""

    def __enter__(self) -> Self:
        """Open the transaction."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back what was not committed and give the connection back."""

    def commit(self) -> None:
        """Make the changes durable."""


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work per use-case call."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """Return a new unit of work; `read_only=True` for use cases that only read.

        A read-only unit of work is cheaper (no transaction to begin and roll back: each statement
        sees the latest committed data) and its `commit()` raises.
        """


Clock = Callable[[], datetime]
