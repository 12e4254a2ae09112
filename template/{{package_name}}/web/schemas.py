"""API schemas shared by features: accounts, sessions and the paging of every list.

Schemas are named by role: `<Thing>Create` in, `<Thing>Public` out. A feature's own schemas live in
its route module (`routes/notes.py`).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from ..domain import pagination
from ..domain.accounts import (
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_rules,
    normalize_email,
)
from ..domain.errors import ValidationFailed
from ..domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Cursor, PageRequest

T = TypeVar("T")


def domain_rule(rule: Callable[[str], object]) -> AfterValidator:
    """A field validator that applies the domain's rule, so the API and the pages refuse the same values.

    The rule's message becomes the field's message in the 422; a rule that returns a value (a normalized
    e-mail address) replaces the field's value with it.
    """

    def check(value: str) -> str:
        try:
            result = rule(value)
        except ValidationFailed as error:
            raise PydanticCustomError("value_error", error.message) from None
        return result if isinstance(result, str) else value

    return AfterValidator(check)


Email = Annotated[
    str, domain_rule(normalize_email), Field(json_schema_extra={"format": "email", "maxLength": MAX_EMAIL_LENGTH})
]
NewPassword = Annotated[
    str,
    domain_rule(check_password_rules),
    Field(json_schema_extra={"minLength": MIN_PASSWORD_LENGTH, "maxLength": MAX_PASSWORD_LENGTH}),
]


class AccountCreate(BaseModel):
    """Sign-up form: the e-mail address and password rules of `domain/accounts.py`, as on the sign-up page."""

    email: Email
    password: NewPassword


class AccountPublic(BaseModel):
    """An account as its owner sees it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    created_at: datetime
    email_verified_at: datetime | None = Field(description="When the address was verified; null: not yet")


class SessionCreate(BaseModel):
    """Log-in form."""

    email: str = Field(max_length=MAX_EMAIL_LENGTH)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    device_token: str | None = Field(
        default=None, max_length=64, description="`device_token` of an earlier log-in to this account from this device"
    )


class SessionPublic(BaseModel):
    """A new bearer token; send it as `Authorization: Bearer <access_token>`."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: datetime
    device_token: str = Field(
        description="Keep it, and send it with this device's next log-ins: they then never wait for the account's "
        "log-in limit, which attempts from elsewhere may have used up"
    )


class ActiveSessionPublic(BaseModel):
    """One of the account's sessions or API tokens (never the token itself)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    last_used_at: datetime = Field(description="To within a few minutes")
    expires_at: datetime
    client: str | None = Field(description="The User-Agent it logged in with")
    current: bool = Field(description="Whether this request was made with it")


class PasswordChange(BaseModel):
    """Change of password: the current one proves it is the owner, not someone at an unlocked screen."""

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: NewPassword


class CurrentPassword(BaseModel):
    """The current password, which an export or a deletion asks for again."""

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class EmailChange(BaseModel):
    """A move to a new address: the current password, and the address a confirming link goes to."""

    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_email: Email


class EmailVerificationUse(BaseModel):
    """The token of a verification link that was e-mailed."""

    token: str = Field(max_length=64, description="The `token` of the link in the e-mail")


class PasswordResetCreate(BaseModel):
    """A request for a password-reset link."""

    email: Email


class PasswordResetUse(BaseModel):
    """A new password, with the token of the reset link that was e-mailed."""

    token: str = Field(max_length=64, description="The `token` of the link in the e-mail")
    new_password: NewPassword


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page (null on the last)."""

    items: list[T]
    limit: int
    next_cursor: str | None

    @classmethod
    def of(cls, page: pagination.Page[Any], public: Callable[[Any], T]) -> Self:
        """The API form of a page of domain records, each turned into its public schema by `public`."""
        return cls(
            items=[public(item) for item in page.items],
            limit=page.limit,
            next_cursor=page.next_cursor.encode() if page.next_cursor else None,
        )


class PageQuery(BaseModel):
    """The query string of every list: `limit` (capped at the maximum page size) and the `cursor` of a next page."""

    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, description=f"Page size, at most {MAX_PAGE_SIZE}")
    cursor: str | None = Field(default=None, max_length=200, description="`next_cursor` of the previous page")

    def request(self) -> PageRequest:
        """The page asked for; ValidationFailed (422) for a cursor this API did not hand out."""
        return PageRequest(min(self.limit, MAX_PAGE_SIZE), Cursor.decode(self.cursor) if self.cursor else None)
