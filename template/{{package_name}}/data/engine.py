"""Engine construction: pool sizing, SQLite pragmas and the slow-query log."""

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from ..observability.sql import install_slow_query_log

SQLITE_BUSY_TIMEOUT_MS = 5_000
# A pooled connection that sat unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0


def build_engine(
    database_url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 10.0,
    slow_query_ms: float | None = None,
    echo: bool = False,
) -> Engine:
    """Return an engine for the URL with a bounded pool; SQLite files get WAL and foreign keys."""
    url = make_url(database_url)
    options: dict[str, Any] = {"echo": echo}
    if url.get_backend_name() == "sqlite":
        in_memory = url.database in (None, "", ":memory:")
        if in_memory:
            # One shared connection, or every checkout would see a different empty database.
            options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
            options |= {
                "pool_size": pool_size,
                "max_overflow": max_overflow,
                "pool_timeout": pool_timeout,
                "connect_args": {"check_same_thread": False},
            }
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _configure_sqlite_connection)
    else:
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=pool_timeout,
            # Recycling avoids firewalls silently dropping idle connections.
            pool_recycle=1800,
            **options,
        )
        _ping_idle_connections(engine, PING_AFTER_IDLE_S)
    if slow_query_ms is not None:
        install_slow_query_log(engine, slow_query_ms)
    return engine


def _ping_idle_connections(engine: Engine, idle_s: float) -> None:
    """Ping a pooled connection before use when it sat idle: a restart or failover killed it unseen.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip per request, about
    8% of the throughput of the notes list under load. A connection given back less than `idle_s`
    ago was working then, and under load every connection is that fresh, so only the first
    requests after a quiet spell pay for a ping. A restart in the middle of traffic fails the
    requests in flight either way; the first error then invalidates every pooled connection.
    """

    @event.listens_for(engine, "checkin")
    def remember_checkin(_dbapi_connection: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection: Any, entry: ConnectionPoolEntry, _proxy: Any) -> None:
        checked_in_at = entry.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out a new one.
            raise DisconnectionError("The pooled connection no longer answers.") from error


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run while one writer writes; busy_timeout waits instead of failing at once."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL, much faster commits
    finally:
        cursor.close()


def database_is_reachable(engine: Engine) -> bool:
    """Run `SELECT 1`; False when the database does not answer."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return False
    return True
