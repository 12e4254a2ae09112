"""Rules the fields of every feature share: text that must fit its column, integers and decimals that fit theirs."""

from datetime import datetime
from decimal import Decimal
from typing import overload

from .errors import ValidationFailed

# The range of the database's INTEGER (32 bits on PostgreSQL).
MIN_INTEGER = -(2**31)
MAX_INTEGER = 2**31 - 1


def refuse_nul(text: str, label: str) -> str:
    """Return the text, refusing the NUL character, which PostgreSQL cannot store in a text column."""
    if "\x00" in text:
        raise ValidationFailed(f"The {label} must not contain the NUL character.")
    return text


def clean_text(value: str, label: str, max_length: int) -> str:
    """Return the text without surrounding blanks, refusing empty, overlong or unstorable ones."""
    cleaned = refuse_nul(value.strip(), label)
    if not cleaned:
        raise ValidationFailed(f"The {label} must not be empty.")
    if len(cleaned) > max_length:
        raise ValidationFailed(f"The {label} must have at most {max_length} characters.")
    return cleaned


def clean_optional_text(value: str | None, label: str, max_length: int) -> str | None:
    """Like `clean_text`, but an absent or blank text is None."""
    if value is None or not value.strip():
        return None
    return clean_text(value, label, max_length)


@overload
def check_integer(value: int, label: str) -> int: ...
@overload
def check_integer(value: None, label: str) -> None: ...
def check_integer(value: int | None, label: str) -> int | None:
    """Return the integer (or None), refusing one the database column cannot hold."""
    if value is not None and not MIN_INTEGER <= value <= MAX_INTEGER:
        raise ValidationFailed(f"The {label} must be between {MIN_INTEGER} and {MAX_INTEGER}.")
    return value


@overload
def check_decimal(value: Decimal, label: str, digits: int, places: int) -> Decimal: ...
@overload
def check_decimal(value: None, label: str, digits: int, places: int) -> None: ...
def check_decimal(value: Decimal | None, label: str, digits: int, places: int) -> Decimal | None:
    """Return the number (or None) with its column's decimal places, as the database gives it back.

    A number with more digits or decimal places than the column keeps is refused; trailing zeros do
    not count (1.500 is 1.50), as in the web layer's validation.
    """
    if value is None:
        return None
    if not value.is_finite():
        raise ValidationFailed(f"The {label} must be a number.")
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # noqa: S101 - a finite Decimal has an integer exponent
    if -exponent > places:
        raise ValidationFailed(f"The {label} must have at most {places} decimal places.")
    if abs(value) >= Decimal(10) ** (digits - places):
        raise ValidationFailed(f"The {label} must have at most {digits - places} digits before the decimal point.")
    return value.quantize(Decimal(1).scaleb(-places))


@overload
def check_aware(value: datetime, label: str) -> datetime: ...
@overload
def check_aware(value: None, label: str) -> None: ...
def check_aware(value: datetime | None, label: str) -> datetime | None:
    """Return the instant (or None), refusing one without a time zone (it would be misread later)."""
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(f"The {label} must include a time zone.")
    return value
