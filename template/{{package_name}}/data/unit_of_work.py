"""The SQL unit of work: one session, one transaction, opened and closed inside a use case."""

from collections.abc import Callable
from types import TracebackType
from typing import Generic, Self, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

# The repository class of one feature: built from the session of each unit of work.
R = TypeVar("R")


class SqlUnitOfWork(Generic[R]):
    """Gives one feature's repository a session; the connection returns to the pool on exit.

    Never held across a response: use cases open it, do their statements and close it, so
    a slow client cannot keep a pooled connection busy.
    """

    repository: R

    def __init__(
        self, session_factory: sessionmaker[Session], repository: Callable[[Session], R], *, read_only: bool = False
    ) -> None:
        self._session_factory = session_factory
        self._build_repository = repository
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.repository = self._build_repository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() ends the transaction with a rollback (a no-op after commit()) and returns the
        # connection to the pool.
        self._session.close()

    def commit(self) -> None:
        """Make the changes durable."""
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit; open it without read_only=True.")
        self._session.commit()


class SqlUnitOfWorkFactory(Generic[R]):
    """Creates a fresh unit of work per use-case call over one feature's repository, sharing the engine's pool."""

    def __init__(self, engine: Engine, repository: Callable[[Session], R]) -> None:
        self._repository = repository
        # expire_on_commit=False: repositories return domain objects, never rows, so nothing
        # needs reloading after a commit.
        self._session_factory = sessionmaker(engine, expire_on_commit=False)
        # Reads need no transaction: in autocommit mode the driver sends no BEGIN and no ROLLBACK
        # around them. SQLite's driver begins transactions only before writes, so its reads are
        # already free of them.
        if engine.dialect.name == "sqlite":
            self._read_only_session_factory = self._session_factory
        else:
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._read_only_session_factory = sessionmaker(autocommit, expire_on_commit=False)

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork[R]:
        if read_only:
            return SqlUnitOfWork(self._read_only_session_factory, self._repository, read_only=True)
        return SqlUnitOfWork(self._session_factory, self._repository)
