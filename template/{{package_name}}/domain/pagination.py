"""Keyset pagination: stable pages over records ordered newest first by (created_at, id)."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from .errors import ValidationFailed
from .records import MAX_INTEGER

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class Listed(Protocol):
    """What a record needs to be paged through: its sort key."""

    @property
    def created_at(self) -> datetime:
        """When the record was created."""

    @property
    def id(self) -> int:
        """The record's id, which breaks ties between records created at the same instant."""


T = TypeVar("T", bound=Listed)


@dataclass(frozen=True, slots=True)
class Cursor:
    """The position after which the next page starts: the last item's sort key."""

    created_at: datetime
    id: int

    def encode(self) -> str:
        """Return an opaque, URL-safe token for clients to send back."""
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        """Parse a token made by `encode`, refusing anything else.

        A forged token can hold any date and number: it passes only with a time zone, a date that stays
        one in UTC, and an id the database's integer column can hold, so no query ever sees another.
        """
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, _, record_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            instant, number = datetime.fromisoformat(created_at), int(record_id)
            if instant.tzinfo is None or not 1 <= number <= MAX_INTEGER:
                raise ValueError  # refused below, like a token that does not parse
            return cls(created_at=instant.astimezone(UTC), id=number)
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError) as error:
            raise ValidationFailed("The cursor is not valid.") from error


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What the caller asks for: at most `limit` items after `cursor` (first page when None)."""

    limit: int = DEFAULT_PAGE_SIZE
    cursor: Cursor | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"The limit must be between 1 and {MAX_PAGE_SIZE}.")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of items and the cursor of the next page (None on the last page)."""

    items: list[T]
    next_cursor: Cursor | None
    limit: int = DEFAULT_PAGE_SIZE

    @classmethod
    def of(cls, rows: list[T], request: PageRequest) -> "Page[T]":
        """The page from what a repository returned: up to `limit + 1` rows, the extra one saying "more"."""
        items = rows[: request.limit]
        has_more = len(rows) > request.limit
        next_cursor = Cursor(items[-1].created_at, items[-1].id) if has_more and items else None
        return cls(items, next_cursor, request.limit)
