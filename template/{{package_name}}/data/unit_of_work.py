"""The SQL unit of work: one session, one transaction, opened and closed inside a use case."""

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .repositories.accounts import SqlAccountRepository, SqlTokenRepository
from .repositories.notes import SqlNoteRepository


class SqlUnitOfWork:
    """Gives the repositories one session; the connection returns to the pool on exit.

    Never held across a response: use cases open it, do their statements and close it, so
    a slow client cannot keep a pooled connection busy.
    """

    accounts: SqlAccountRepository
    tokens: SqlTokenRepository
    notes: SqlNoteRepository

    def __init__(self, session_factory: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._session_factory = session_factory
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.accounts = SqlAccountRepository(self._session)
        self.tokens = SqlTokenRepository(self._session)
        self.notes = SqlNoteRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() ends the transaction with a rollback (a no-op after commit()) and returns the
        # connection to the pool; an explicit rollback() first would only add a snapshot restore.
        self._session.close()

    def commit(self) -> None:
        """Make the changes durable."""
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit; open it without read_only=True.")
        self._session.commit()


class SqlUnitOfWorkFactory:
    """Creates a fresh unit of work per use-case call, all sharing one engine and pool."""

    def __init__(self, engine: Engine) -> None:
        # expire_on_commit=False: entities are copied out before commit anyway, and this avoids
        # a reload query per attribute if anyone reads a row after commit.
        self._session_factory = sessionmaker(engine, expire_on_commit=False)
        # Reads need no transaction: in autocommit mode the driver sends no BEGIN before the first
        # statement and no ROLLBACK when the connection goes back to the pool, two round trips of
        # the three or four a read costs. SQLite's driver begins transactions only before writes,
        # so its reads are already free of them (and switching modes there costs a PRAGMA).
        if engine.dialect.name == "sqlite":
            self._read_only_session_factory = self._session_factory
        else:
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._read_only_session_factory = sessionmaker(autocommit, expire_on_commit=False)

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return SqlUnitOfWork(self._read_only_session_factory, read_only=True)
        return SqlUnitOfWork(self._session_factory)
