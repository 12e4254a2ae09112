"""Request ids: accepted from the client when sane, generated otherwise, bound into every log line."""

import re
import uuid

import structlog

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def choose_request_id(incoming: str | None) -> str:
    """Keep a client's id if it is short and plain (no log injection), else make a new one."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request_id(request_id: str, client: str | None = None) -> None:
    """Attach the id, and the client's address, to the context: every later log line of the request carries them."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    if client is not None:
        structlog.contextvars.bind_contextvars(client=client)


def current_request_id() -> str | None:
    """Return the id bound to the current request, if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None
