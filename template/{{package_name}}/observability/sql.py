"""Slow-query warnings from SQLAlchemy cursor events (timing only, parameters never logged)."""

import time
from typing import Any

from sqlalchemy import Engine, event

from .logging import get_logger

_STATEMENT_PREVIEW_CHARS = 500
_START_KEY = "query_started_at"

logger = get_logger("sql")


def install_slow_query_log(engine: Engine, threshold_ms: float) -> None:
    """Log a warning for every statement on this engine slower than `threshold_ms`."""

    def before(conn: Any, _cursor: Any, _statement: str, _params: Any, _context: Any, _many: bool) -> None:
        conn.info.setdefault(_START_KEY, []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        started = conn.info[_START_KEY].pop()
        duration_ms = (time.perf_counter() - started) * 1000
        if duration_ms >= threshold_ms:
            logger.warning(
                "slow_query",
                duration_ms=round(duration_ms, 1),
                statement=statement[:_STATEMENT_PREVIEW_CHARS],
            )

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
