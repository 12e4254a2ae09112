"""The `accounts` table, the `api_tokens` and `password_resets` that open an account, and `email_verifications`."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AccountRow(Base):
    """A row of `accounts`."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Serves the periodic search for accounts still waiting for their welcome e-mail.
        Index("ix_accounts_welcome_email_sent_at_created_at", "welcome_email_sent_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    welcome_email_sent_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """A row of `api_tokens`: the SHA-256 of a bearer token, never the token itself."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # for purging expired tokens
    # Set from the start; empty only in rows from before it existed, until the upgrade fills it in.
    last_used_at: Mapped[datetime | None] = mapped_column(index=True)  # for purging idle tokens
    client: Mapped[str | None] = mapped_column(String(200))  # the User-Agent it logged in with


class PasswordResetRow(Base):
    """A row of `password_resets`: the SHA-256 of a reset link's token, until it is used or expires."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # for purging expired links


class EmailVerificationRow(Base):
    """A row of `email_verifications`: a link that proves the account reads `email`, until used or expired.

    `email` is the account's address (a verification) or the one it moves to (a change of address).
    """

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # for purging expired links
