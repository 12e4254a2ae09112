"""Throw-away databases for the test suite and the migrations check (never for application data)."""

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool


@contextmanager
def scratch_database(admin_url: str, prefix: str = "scratch") -> Iterator[str]:
    """Yield the URL of a new, empty database and drop it afterwards.

    For SQLite the admin URL only names the dialect and the database is a temporary file; for
    PostgreSQL `admin_url` must allow CREATE DATABASE (e.g. the `postgres` database as `postgres`).
    """
    url = make_url(admin_url)
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as directory:
            yield f"sqlite:///{Path(directory) / 'scratch.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                # FORCE (PostgreSQL 13+) ends sessions a failed test may have left behind.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
