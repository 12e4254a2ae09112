"""Ports shared by every feature: transactions, e-mail, jobs, the security log and the clock.

`data/`, `integrations/` and `jobs/` implement them.

A feature's own repository port sits next to its use cases: `services/notes.py` has `NoteRepository`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Literal, Protocol, Self, TypeVar

# The repository a unit of work hands out: each feature's use cases name their own.
R_co = TypeVar("R_co", covariant=True)


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
    """Schedules background work; each method is one job.

    Call it after the commit of the deed the job follows, and never expect it to raise: a queue that is
    down is the adapter's to log, and the job's reconciliation enqueues it later (docs/architecture.md).
    """

    def enqueue_welcome_email(self, account_id: int) -> None:
        """Schedule the welcome e-mail of a new account."""

    def enqueue_password_reset(self, account_id: int | None) -> None:
        """Schedule a password-reset link; None for an address with no account, which the job then skips.

        Enqueued for every address alike, so asking for a link does the same work, and takes the same time,
        whether or not the address has an account.
        """

    def enqueue_password_changed_notice(self, account_id: int) -> None:
        """Schedule the "your password was changed" e-mail."""

    def enqueue_email_verification(self, account_id: int, email: str) -> None:
        """Schedule a link that verifies `email` for the account: its address, or the one it moves to."""

    def enqueue_email_changed_notice(self, account_id: int, old_email: str) -> None:
        """Schedule the "your address was changed" e-mail to the account's former address."""


SecurityEvent = Literal[
    "signed_up",
    "logged_in",
    "log_in_failed",
    "logged_out",
    "password_changed",
    "password_reset_requested",
    "password_reset",
    "session_ended",
    "other_sessions_ended",
    "current_password_refused",
    "data_exported",
    "account_deleted",
    "accounts_listed",
    "account_disabled",
    "account_enabled",
    "all_sessions_ended",
    "reset_link_sent",
    "email_verification_requested",
    "email_verified",
    "email_change_requested",
    "email_changed",
]
"""What happened to an account's access; a new kind of event is a new name here."""


class SecurityLog(Protocol):
    """The record of who got in or was refused, and from where: for spotting attacks and answering "was it me?"."""

    def record(self, event: SecurityEvent, **details: int | str | None) -> None:
        """Write one event (never a password or a token); the adapter adds the time and the client's address."""


class UnitOfWork(Protocol[R_co]):
    """One transaction over one feature's repository; leaving the block without `commit()` rolls back."""

    @property
    def repository(self) -> R_co:
        """The feature's repository, bound to this transaction."""

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


class UnitOfWorkFactory(Protocol[R_co]):
    """Opens a unit of work per use-case call, over the repository of one feature."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork[R_co]:
        """Return a new unit of work; `read_only=True` for use cases that only read (its `commit()` raises)."""


Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware; use cases take one so tests can set the time."""


def utc_now() -> datetime:
    """The real clock: the current time, timezone-aware in UTC."""
    return datetime.now(UTC)
