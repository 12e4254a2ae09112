"""Accounts: who owns records and how they prove it."""

from dataclasses import dataclass
from datetime import datetime

from .errors import ValidationFailed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # bounds the hashing work an attacker can ask for


@dataclass(frozen=True, slots=True)
class Account:
    """A person who can sign in and own notes."""

    id: int
    email: str
    password_hash: str
    created_at: datetime
    welcome_email_sent_at: datetime | None = None


def normalize_email(email: str) -> str:
    """Return the canonical form used for uniqueness: trimmed and lower-cased."""
    normalized = email.strip().lower()
    local, _, domain = normalized.partition("@")
    if not local or "@" in domain or "." not in domain or "\x00" in normalized:
        raise ValidationFailed("The e-mail address must look like name@example.com.")
    return normalized


def check_password_rules(password: str) -> None:
    """Refuse passwords too short to resist guessing or too long to hash cheaply."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
