"""Accounts: who owns records and how they prove it."""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from .errors import PermissionDenied, ValidationFailed

MAX_EMAIL_LENGTH = 320  # the longest address SMTP allows (64 before the @, 255 after), and the column's size
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # bounds the hashing work an attacker can ask for
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@dataclass(frozen=True, slots=True)
class Account:
    """A person who can sign in and own notes."""

    id: int
    email: str
    password_hash: str
    created_at: datetime
    welcome_email_sent_at: datetime | None = None
    disabled_at: datetime | None = None  # set by an operator: no log-in, no session, no reset link
    email_verified_at: datetime | None = None  # when a link e-mailed to the address was followed

    @property
    def email_verified(self) -> bool:
        """Whether the owner showed they read this address (followed a link e-mailed to it)."""
        return self.email_verified_at is not None


@dataclass(frozen=True, slots=True)
class AccountSession:
    """A signed-in device or API client: one token of the account, as its owner sees it (never the token)."""

    id: int
    created_at: datetime
    last_used_at: datetime  # to within a few minutes: it is written at most every few minutes
    expires_at: datetime
    client: str | None  # the User-Agent it logged in with
    current: bool  # the one the request was made with


def require_verified_email(account: Account) -> Account:
    """The account, if its address is verified; PermissionDenied otherwise."""
    if not account.email_verified:
        raise PermissionDenied("Verify your e-mail address first: follow the link e-mailed to it (ask for a new one).")
    return account


def normalize_email(email: str) -> str:
    """Return the canonical form used for uniqueness: trimmed, composed (NFC) and lower-cased.

    The same address typed on two keyboards is one address; one that could not be an e-mail header's
    value (a line break, any control character, a space) or does not fit its column is refused.
    """
    normalized = unicodedata.normalize("NFC", email.strip()).lower()
    if len(normalized) > MAX_EMAIL_LENGTH:
        raise ValidationFailed(f"The e-mail address must have at most {MAX_EMAIL_LENGTH} characters.")
    local, _, domain = normalized.partition("@")
    labels = domain.split(".")
    if not local or "@" in domain or len(labels) < 2 or not all(labels) or not _printable(normalized):
        raise ValidationFailed("The e-mail address must look like name@example.com.")
    return normalized


def _printable(text: str) -> bool:
    """No spaces and no control, format, surrogate or unassigned characters (Unicode category C)."""
    return not any(char.isspace() or unicodedata.category(char).startswith("C") for char in text)


def check_password_rules(password: str) -> None:
    """Refuse passwords that are easy to guess (NIST SP 800-63B): too short, blank, or among the most common.

    Too long ones are refused too: they cost more to hash.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"The password must have at most {MAX_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise ValidationFailed("The password must not be only spaces.")
    if password.lower() in common_passwords():
        raise ValidationFailed("The password is one of the 10,000 most common ones, the first that attackers try.")


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lower-cased (read once, at the first check)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))
