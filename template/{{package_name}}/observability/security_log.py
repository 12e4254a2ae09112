"""The security log: one JSON line per event that concerns an account's access, under the logger name `security`."""

from typing import final

from ..services.ports import SecurityEvent, SecurityLog
from .logging import get_logger

logger = get_logger("security")


@final
class StructlogSecurityLog(SecurityLog):
    """Writes security events with the app's other log lines, at INFO.

    Every line carries the time and, inside a request, its id and the client's address (bound by the
    request middleware), so an event leads to the request's access-log line and back.
    """

    def record(self, event: SecurityEvent, **details: int | str | None) -> None:
        """Write one event."""
        logger.info(event, security_event=True, **details)
