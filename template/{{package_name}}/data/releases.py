"""The release step, and what the database says about releases.

`release()` brings the schema to the code's newest migration once per deploy: on PostgreSQL under an
advisory lock, so two release steps started together cannot both migrate (the second waits, then
finds nothing left to apply). It records the release in `releases`. `schema_state()` tells readiness
whether the database is behind the running code, current, or ahead of it (a newer release's expand
step already applied).
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Literal

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from ..observability.logging import get_logger
from .engine import build_migration_engine
from .revisions import alembic_config
from .tables.releases import ReleaseRow

# Any number, the same in every process of the app: PostgreSQL advisory locks are per database.
RELEASE_LOCK_ID = 720_101_227
LOCK_POLL_SECONDS = 1.0

SchemaState = Literal["behind", "current", "ahead"]

logger = get_logger("release")


class ReleaseLocked(Exception):
    """Another release step held the lock for longer than this one would wait."""


@dataclass(frozen=True, slots=True)
class Release:
    """One recorded release: what went out, when, and the migrations it applied (oldest first)."""

    version: str
    git_commit: str
    released_at: datetime
    migrations: list[str]


def release(database_url: str, version: str, git_commit: str, *, lock_timeout: float = 600.0) -> Release | None:
    """Apply the pending migrations under the release lock and record the release.

    Returns the release recorded, or None when there was nothing to record: the same version and
    commit as the last release, and no migration to apply (a release step run twice).
    """
    engine = build_migration_engine(database_url)
    try:
        with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                _acquire_lock(connection, lock_timeout)
            try:
                return _migrate_and_record(connection, database_url, version, git_commit)
            finally:
                if postgres:
                    connection.rollback()  # whatever failed, the unlock runs in a clean transaction
                    connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": RELEASE_LOCK_ID})
                    connection.commit()
    finally:
        engine.dispose()


def _acquire_lock(connection: Connection, timeout: float) -> None:
    """Take the session-level advisory lock, waiting up to `timeout` seconds for another release step."""
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        locked = connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": RELEASE_LOCK_ID}).scalar_one()
        connection.commit()
        if locked:
            return
        if time.monotonic() >= deadline:
            raise ReleaseLocked(f"another release step held the release lock for more than {timeout:.0f} s")
        if not waiting:
            logger.info("release.waiting", reason="another release step is running")
            waiting = True
        time.sleep(LOCK_POLL_SECONDS)


def _migrate_and_record(connection: Connection, database_url: str, version: str, git_commit: str) -> Release | None:
    config = alembic_config(database_url)
    before = MigrationContext.configure(connection).get_current_heads()
    connection.commit()  # Alembic runs the migrations in a transaction of its own
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    after = MigrationContext.configure(connection).get_current_heads()
    applied = _revisions_between(ScriptDirectory.from_config(config), before, after)
    last = connection.execute(
        select(ReleaseRow.version, ReleaseRow.git_commit).order_by(ReleaseRow.released_at.desc()).limit(1)
    ).first()
    if not applied and last is not None and tuple(last) == (version, git_commit):
        connection.commit()
        logger.info("release.unchanged")
        return None
    recorded = Release(version, git_commit, datetime.now(UTC), applied)
    connection.execute(
        insert(ReleaseRow).values(
            version=version, git_commit=git_commit, released_at=recorded.released_at, migrations=applied
        )
    )
    connection.commit()
    logger.info("release.recorded", migrations=applied)
    return recorded


def _revisions_between(script: ScriptDirectory, before: Iterable[str], after: Iterable[str]) -> list[str]:
    """The revision ids from `before` (exclusive) up to `after`, oldest first."""
    upper, lower = tuple(after), tuple(before) or "base"
    if set(upper) == set(before):
        return []
    return [revision.revision for revision in reversed(list(script.iterate_revisions(upper, lower)))]


def recent_releases(engine: Engine, limit: int = 10) -> list[Release]:
    """The newest `limit` releases, newest first."""
    query = select(ReleaseRow).order_by(ReleaseRow.released_at.desc(), ReleaseRow.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [Release(row.version, row.git_commit, row.released_at, list(row.migrations)) for row in rows]


@cache
def _code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every revision id the running code has, and its heads (read once per process)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(revision.revision for revision in script.walk_revisions()), frozenset(script.get_heads())


def schema_state(engine: Engine) -> SchemaState | None:
    """Where the database's schema stands against the running code; None when it cannot be read.

    Behind: a migration of this code is not applied yet (its release step has not run). Ahead: the
    database is at a revision this code does not know, which a newer release's expand step put there;
    by the expand/contract rule the old code still works with it (docs/migrations.md).
    """
    known, heads = _code_revisions()
    try:
        with engine.connect() as connection:
            applied = set(MigrationContext.configure(connection).get_current_heads())
    except (SQLAlchemyError, OSError):
        return None
    if applied - known:
        return "ahead"
    return "current" if heads <= applied else "behind"
