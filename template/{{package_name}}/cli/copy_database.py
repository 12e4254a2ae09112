"""`copy-database SOURCE_URL`: every row of another database into this app's own, empty one.

The way from SQLite to PostgreSQL once the app has data (docs/deployment.md): migrate the new database,
then copy the old file's rows into it. Both must be at the same migration; the copy is one transaction,
the whole database or nothing.
"""

import argparse
import sys
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, func, insert, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from ..data.engine import build_engine
from ..data.tables import Base
from ..settings import Settings
from . import Command

BATCH_ROWS = 1_000  # rows read and written at a time: memory stays flat whatever the table's size


class CopyRefused(Exception):
    """The copy would not give a faithful database; nothing was written."""


def copy_rows(source: Connection, target: Connection) -> dict[str, int]:
    """Copy every table of the app from `source` into the empty `target`, parents first; the rows copied
    by table. The caller commits `target` (or not) as a whole."""
    heads = [MigrationContext.configure(connection).get_current_heads() for connection in (source, target)]
    if heads[0] != heads[1]:
        raise CopyRefused(
            f"the source is at migration {', '.join(heads[0]) or 'none'} and this database at"
            f" {', '.join(heads[1]) or 'none'}; bring both to the same one first (make migrate)"
        )
    tables = Base.metadata.sorted_tables
    if filled := [table.name for table in tables if target.execute(select(func.count()).select_from(table)).scalar()]:
        raise CopyRefused(f"this database already has rows ({', '.join(filled)}); copy into an empty one")
    copied = {}
    for table in tables:
        copied[table.name] = 0
        for rows in source.execute(select(table).execution_options(yield_per=BATCH_ROWS)).mappings().partitions():
            target.execute(insert(table), [dict(row) for row in rows])
            copied[table.name] += len(rows)
    if target.dialect.name == "postgresql":  # the next id follows the copied ones, not 1
        for table in tables:
            if (column := table.autoincrement_column) is not None:
                last = select(func.coalesce(func.max(column), 0)).scalar_subquery()
                sequence = func.pg_get_serial_sequence(table.name, column.name)
                target.execute(select(func.setval(sequence, last + 1, False)))
    return copied


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="the database to copy from, such as sqlite:///data/app.sqlite3")


def run_copy_database(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the source's rows into DATABASE_URL's database."""
    url = make_url(args.source)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        print(f"Nothing copied: there is no SQLite database file at {url.database!r}.", file=sys.stderr)  # noqa: T201 - CLI output
        return 1
    source = build_engine(args.source, pool_size=1, max_overflow=0)
    target = build_engine(settings.database_url, pool_size=1, max_overflow=0)
    try:
        with source.connect() as reading, target.begin() as writing:
            copied = copy_rows(reading, writing)
    except (CopyRefused, SQLAlchemyError) as error:
        print(f"Nothing copied: {error}.", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        source.dispose()
        target.dispose()
    for table, rows in copied.items():
        print(f"{table}: {rows} rows")  # noqa: T201
    return 0


COMMANDS = [
    Command(
        "copy-database",
        "Copy every row of another database (the SQLite file of before) into this app's empty one.",
        run_copy_database,
        _options,
    )
]
