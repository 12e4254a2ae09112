"""API schemas, named by role: `<Thing>Create` in, `<Thing>Public` out, `Page[...]` for lists."""

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from ..domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from ..domain.notes import MAX_BODY_LENGTH, MAX_TITLE_LENGTH

T = TypeVar("T")


class AccountCreate(BaseModel):
    """Sign-up form."""

    email: EmailStr
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class AccountPublic(BaseModel):
    """An account as its owner sees it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    created_at: datetime


class SessionCreate(BaseModel):
    """Log-in form."""

    email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class SessionPublic(BaseModel):
    """A new bearer token; send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: datetime


class NoteCreate(BaseModel):
    """A new note."""

    title: str = Field(min_length=1, max_length=MAX_TITLE_LENGTH)
    body: str = Field(default="", max_length=MAX_BODY_LENGTH)


class NoteUpdate(BaseModel):
    """A partial change of a note: omitted fields stay as they are."""

    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE_LENGTH)
    body: str | None = Field(default=None, max_length=MAX_BODY_LENGTH)


class NotePublic(BaseModel):
    """A note as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page (null on the last)."""

    items: list[T]
    limit: int
    next_cursor: str | None
