"""Engine construction: pool sizing, SQLite pragmas, the slow-query log, and errors that hold no data."""

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import StaticPool

from ..observability.sql import install_slow_query_log

SQLITE_BUSY_TIMEOUT_MS = 5_000


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
    # An error's message never carries the statement's values (a password hash, a token): it reaches
    # the logs and the error tracker.
    options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
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
            # A connection that a database restart or failover killed is found by a ping at checkout and
            # replaced, instead of failing the request; recycling avoids firewalls dropping idle ones.
            pool_pre_ping=True,
            pool_recycle=1800,
            **options,
        )
    event.listen(engine, "handle_error", _drop_row_values)
    if slow_query_ms is not None:
        install_slow_query_log(engine, slow_query_ms)
    return engine


def build_migration_engine(database_url: str) -> Engine:
    """An engine of one connection for the migrations: on SQLite, with real transactions and foreign keys off.

    Python's sqlite3 driver sends no BEGIN before a CREATE, DROP or ALTER, so a migration that failed
    halfway would keep its first steps (a batch table copy, `_alembic_tmp_<table>`) and every retry would
    trip over them. Here SQLAlchemy begins each transaction itself (BEGIN IMMEDIATE: the write lock at
    once, waiting busy_timeout for a writer of the app), and a failed migration is rolled back whole.
    Foreign keys are off, outside any transaction where the PRAGMA takes effect: batch mode rebuilds a
    table by copying it and dropping the old one, and with them on, that drop would delete (ON DELETE
    CASCADE) or refuse the rows that point at it. The migrations check every reference before they commit.
    """
    engine = build_engine(database_url, pool_size=1, max_overflow=0)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _leave_transactions_to_sqlalchemy)
        event.listen(engine, "begin", _begin_immediately)
    return engine


def _leave_transactions_to_sqlalchemy(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: `_begin_immediately` sends it
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _begin_immediately(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _drop_row_values(context: ExceptionContext) -> None:
    """Cut a database error's message to its first line, the one that says what went wrong.

    PostgreSQL adds lines such as "DETAIL: Failing row contains (...)", with every value of the row.
    """
    for error in (context.original_exception, context.sqlalchemy_exception):
        if error is not None and len(error.args) == 1 and isinstance(error.args[0], str):
            error.args = (error.args[0].partition("\n")[0],)


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
