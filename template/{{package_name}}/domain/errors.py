"""Domain errors: the web layer maps each kind to one HTTP status in `web/errors.py`."""


class DomainError(Exception):
    """Base of every error a use case raises on purpose; `message` is safe to show to the caller."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the input field at fault, when there is one (a form points at it)


class NotFound(DomainError):
    """The record does not exist, or belongs to someone else (we never reveal which)."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""


class Conflict(DomainError):
    """The change clashes with existing state, such as an e-mail address already in use."""


class ValidationFailed(DomainError):
    """The input breaks a business rule."""


class AuthenticationFailed(DomainError):
    """Credentials or token are missing, wrong or expired."""
