"""Notes: the example record owned by an account; copy this module's shape for new features."""

from dataclasses import dataclass
from datetime import datetime

from .errors import ValidationFailed
from .fields import clean_text, refuse_nul

MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 20_000


@dataclass(frozen=True, slots=True)
class Note:
    """A short text written by its owner."""

    id: int
    owner_id: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


def clean_title(title: str) -> str:
    """Return the title without surrounding blanks, refusing empty, overlong or unstorable ones."""
    return clean_text(title, "title", MAX_TITLE_LENGTH)


def check_body(body: str) -> str:
    """Return the body unchanged, refusing overlong ones."""
    refuse_nul(body, "body")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationFailed(f"The body must have at most {MAX_BODY_LENGTH} characters.")
    return body
