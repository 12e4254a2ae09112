"""In-memory fakes of the shared ports, for fast unit tests with no I/O (and for wiring the web app in tests).

Each feature's fake repository lives in a module named after it (`tests/fakes/notes.py`).
"""

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from tests.fakes.emails import FakeEmailSender
from tests.fakes.jobs import FakeJobQueue

R = TypeVar("R")

__all__ = ["FakeDatabase", "FakeEmailSender", "FakeJobQueue", "FakeTables", "FakeUnitOfWorkFactory"]


@dataclass
class FakeTables:
    """What the fake database holds: each table's records by key, and the next id to hand out."""

    rows: defaultdict[str, dict[Any, Any]] = field(default_factory=lambda: defaultdict(dict))
    next_id: int = 1

    def table(self, name: str) -> dict[Any, Any]:
        """The records of one table (created empty on first use)."""
        return self.rows[name]

    def new_id(self) -> int:
        """Return a fresh id, unique across tables."""
        self.next_id += 1
        return self.next_id - 1


@dataclass
class FakeDatabase:
    """The state the fake units of work share, and how they used it."""

    tables: FakeTables = field(default_factory=FakeTables)
    commits: int = 0
    opened: int = 0  # units of work handed out: a use case should need one
    opened_read_only: int = 0  # of which read-only: a use case that only reads asks for one


class FakeUnitOfWork(Generic[R]):
    """Works on a copy of the tables and publishes it on commit, so uncommitted work vanishes like a rollback."""

    repository: R

    def __init__(self, database: FakeDatabase, repository: Callable[[FakeTables], R], *, read_only: bool) -> None:
        self._database = database
        self._build_repository = repository
        self._read_only = read_only

    def __enter__(self) -> Self:
        self._working = copy.deepcopy(self._database.tables)
        self.repository = self._build_repository(self._working)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        del self._working

    def commit(self) -> None:
        """Publish the working copy."""
        if self._read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")
        self._database.tables = copy.deepcopy(self._working)
        self._database.commits += 1


class FakeUnitOfWorkFactory(Generic[R]):
    """Opens fake units of work over one feature's fake repository: pass it where a UnitOfWorkFactory goes."""

    def __init__(self, repository: Callable[[FakeTables], R], database: FakeDatabase | None = None) -> None:
        self.database = database or FakeDatabase()
        self._repository = repository

    def __call__(self, *, read_only: bool = False) -> FakeUnitOfWork[R]:
        self.database.opened += 1
        if read_only:
            self.database.opened_read_only += 1
        return FakeUnitOfWork(self.database, self._repository, read_only=read_only)
