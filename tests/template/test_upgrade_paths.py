"""Existing databases survive updates: from every release, and to a release with a migration.

On SQLite and PostgreSQL, each test generates a project at an older version, adds what an owner
adds (a table of their own, its migration, rows in a real database), updates, runs `make migrate`
against that same database, and proves that the rows are still there and that the database equals
the models (`alembic check` on that database, not a fresh one).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from template_repos import generate, isolated_home, run  # noqa: F401 - isolated_home is a fixture
from generated import check_env, run_make

from mvpscaffold import __version__, source
from mvpscaffold.update import update_project

REPO_ROOT = Path(__file__).resolve().parents[2]
DATABASES = ["sqlite", "postgresql"]

OLD_LAYOUT_TABLE = '''

class InvoiceRow(Base):
    """A row of `invoices`: the owner's own table."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
'''

# An owner module that imports the owner's table and one of the template's from the old module.
OLD_LAYOUT_IMPORT = '''"""Invoices in SQL."""

from ..tables import InvoiceRow, NoteRow

__all__ = ["InvoiceRow", "NoteRow"]
'''

NEW_LAYOUT_TABLE = '''"""The `invoices` table."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Owned


class InvoiceRow(Owned, Base):
    """A row of `invoices`: the owner's own table."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime]
'''

OWNER_MIGRATION = '''"""Add invoices.

Revision ID: {revision}
Revises: 0001
Create Date: 2026-11-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the invoices table."""
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["accounts.id"], name="fk_invoices_owner_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index(op.f("ix_invoices_owner_id"), "invoices", ["owner_id"])


def downgrade() -> None:
    """Drop the invoices table."""
    op.drop_table("invoices")
'''

OWNER_SERVICE = '''"""Invoice use cases."""

from typing import Protocol

from .ports import UnitOfWorkFactory


class InvoiceRepository(Protocol):
    """Stores invoices; every method takes the owner."""

    def count(self, owner_id: int) -> int:
        """How many invoices the owner has."""


class InvoiceService:
    """The invoices of one owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory[InvoiceRepository]) -> None:
        self._uow_factory = uow_factory

    def count(self, owner_id: int) -> int:
        """How many invoices the owner has."""
        with self._uow_factory(read_only=True) as uow:
            return uow.repository.count(owner_id)
'''

OWNER_REPOSITORY = '''"""Invoices in SQL."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...services.invoices import InvoiceRepository
from ..tables.invoices import InvoiceRow


class SqlInvoiceRepository(InvoiceRepository):
    """Invoices in the `invoices` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def count(self, owner_id: int) -> int:
        """How many invoices the owner has."""
        query = select(func.count()).select_from(InvoiceRow).where(InvoiceRow.owned_by(owner_id))
        return self._session.scalar(query) or 0
'''

OWNER_ROUTER = '''"""Invoices of the signed-in account."""

from fastapi import APIRouter

from ..dependencies import ContainerDep, CurrentAccount

router = APIRouter(prefix="/api/invoices", tags=["invoices"])


@router.get("/count")
def count_invoices(account: CurrentAccount, container: ContainerDep) -> int:
    """How many invoices the account has."""
    return container.invoices.count(account.id)
'''

# The two lines (and their imports) a feature adds to bootstrap.py, as the generated README says.
BOOTSTRAP_REGISTRATION = {
    "from .data.repositories.accounts import SqlAccountRepository\n": (
        "from .data.repositories.invoices import SqlInvoiceRepository\n"
    ),
    "from .services.accounts import AccountService\n": (
        "from .services.invoices import InvoiceService\n"
    ),
    "    notes: NoteService\n": "    invoices: InvoiceService\n",
    "        notes=NoteService(SqlUnitOfWorkFactory(engine, SqlNoteRepository)),\n": (
        "        invoices=InvoiceService(SqlUnitOfWorkFactory(engine, SqlInvoiceRepository)),\n"
    ),
}

SEED_ROWS = """
import sys
from datetime import UTC, datetime
from sqlalchemy import create_engine, text

engine = create_engine(sys.argv[1])
now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
with engine.begin() as db:
    for statement in (
        "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (1, 'a@x', 'h', :n)",
        "INSERT INTO notes (id, owner_id, title, body, created_at, updated_at)"
        " VALUES (1, 1, 'Kept', '', :n, :n)",
        "INSERT INTO invoices (id, owner_id, number, created_at) VALUES (1, 1, 'INV-1', :n)",
    ):
        db.execute(text(statement), {"n": now})
"""

COUNT_ROWS = """
import json, sys
from sqlalchemy import create_engine, text

engine = create_engine(sys.argv[1])
with engine.connect() as db:
    count = "SELECT count(*) FROM {}"
    print(json.dumps({t: db.execute(text(count.format(t))).scalar_one() for t in sys.argv[2:]}))
"""

CHECK_SCHEMA = """
import sys
from alembic import command
from {package}.data.revisions import alembic_config

command.check(alembic_config(sys.argv[1]))
"""


ADMIN_SQL = """
import sys
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1], isolation_level="AUTOCOMMIT").connect() as db:
    db.execute(text(sys.argv[2]))
"""


@pytest.fixture(params=DATABASES)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, unique_name: str, app_venv: Path
) -> Iterator[tuple[str, str]]:
    """(answer for `database`, URL of a real, empty database the test's project will use)."""
    if request.param == "sqlite":
        yield "sqlite", f"sqlite:///{tmp_path / 'owner.sqlite3'}"
        return
    admin = request.getfixturevalue("postgres_admin_url")
    python = str(app_venv / "bin" / "python")
    subprocess.run([python, "-c", ADMIN_SQL, admin, f"CREATE DATABASE {unique_name}"], check=True)
    try:
        yield "postgresql", admin.rsplit("/", 1)[0] + f"/{unique_name}"
    finally:
        drop = f"DROP DATABASE IF EXISTS {unique_name} WITH (FORCE)"
        subprocess.run([python, "-c", ADMIN_SQL, admin, drop], check=True)


def _python(venv: Path, project: Path, code: str, *args: str) -> str:
    """Run Python code in the project with the shared environment; return what it printed."""
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code, *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _migrate(venv: Path, project: Path, url: str) -> None:
    """`make migrate` against `url`."""
    env = {**check_env(venv, project, None, None), "DATABASE_URL": url}
    result = run_make(project, "migrate", venv, env)
    assert result.returncode == 0, result.stdout + result.stderr


def _owner_feature(project: Path, package: str, *, old_layout: bool) -> None:
    """What an owner adds and commits: a table, its migration, and with the new layout a feature."""
    data = project / package / "data"
    if old_layout:
        tables = data / "tables.py"
        tables.write_text(tables.read_text() + OLD_LAYOUT_TABLE)
        (data / "migrations" / "versions" / "0002_invoices.py").write_text(
            OWNER_MIGRATION.format(revision="0002")
        )
        (data / "repositories" / "invoices.py").write_text(OLD_LAYOUT_IMPORT)
    else:
        (data / "tables" / "invoices.py").write_text(NEW_LAYOUT_TABLE)
        migration = data / "migrations" / "versions" / "20261101_120000_invoices.py"
        migration.write_text(OWNER_MIGRATION.format(revision="20261101_120000"))
        (data / "repositories" / "invoices.py").write_text(OWNER_REPOSITORY)
        (project / package / "services" / "invoices.py").write_text(OWNER_SERVICE)
        (project / package / "web" / "routes" / "invoices.py").write_text(OWNER_ROUTER)
        bootstrap = project / package / "bootstrap.py"
        text = bootstrap.read_text()
        for line, added in BOOTSTRAP_REGISTRATION.items():
            assert line in text, line
            text = text.replace(line, line + added)
        bootstrap.write_text(text)
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "owner: invoices")


def _assert_database_survived(venv: Path, project: Path, package: str, url: str) -> None:
    counts = json.loads(_python(venv, project, COUNT_ROWS, url, "accounts", "notes", "invoices"))
    assert counts == {"accounts": 1, "notes": 1, "invoices": 1}
    _python(
        venv, project, CHECK_SCHEMA.format(package=package), url
    )  # raises when database and models differ


def _released_versions() -> list[str]:
    return list(source.read_release_map(REPO_ROOT))


@pytest.mark.slow
@pytest.mark.parametrize("old", _released_versions())
def test_a_release_updates_to_this_version_keeping_the_owners_table_and_rows(
    old: str,
    database: tuple[str, str],
    app_venv: Path,
    tmp_path: Path,
    isolated_home: Path,  # noqa: F811
) -> None:
    kind, url = database
    src, _ref = source.default_template()
    project = generate(src, tmp_path / "shop", old, {"project_name": "Shop", "database": kind})
    _owner_feature(project, "shop", old_layout=True)
    _migrate(app_venv, project, url)
    _python(app_venv, project, SEED_ROWS, url)

    report = update_project(project, defaults=True)

    assert report.from_version == old
    assert not report.conflicted, report.conflicted
    moved = project / "shop" / "data" / "tables" / "invoices.py"
    assert (
        "class InvoiceRow(Base):" in moved.read_text()
    )  # the owner's table, out of the old tables.py
    assert not (project / "shop" / "data" / "tables.py").exists()
    imports = (project / "shop" / "data" / "repositories" / "invoices.py").read_text()
    assert "from ..tables.invoices import InvoiceRow\nfrom ..tables.notes import NoteRow\n" in imports
    _migrate(app_venv, project, url)
    _assert_database_survived(app_venv, project, "shop", url)


# 1.1.0 ships another uv.lock; the owner's own (here marked by a comment) must stay theirs.
RELEASE_LOCK_LINE = "# the lock of release 1.1.0\n"
OWNER_LOCK_LINE = "# the owner's pins\n"


def _synthetic_releases(root: Path) -> Path:
    """This template as release 1.0.0, then 1.1.0: a notes column and a new table, by migration."""
    repo = root / "template-repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", repo / "copier.yml")
    shutil.copytree(
        REPO_ROOT / "template", repo / "template", ignore=shutil.ignore_patterns("__pycache__")
    )
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "1.0.0")
    run(repo, "git", "tag", "1.0.0")
    package = repo / "template" / "{{package_name}}"
    notes = package / "data" / "tables" / "notes.py"
    notes.write_text(
        notes.read_text().replace(
            "    updated_at: Mapped[datetime]\n",
            "    updated_at: Mapped[datetime]\n"
            '    archived: Mapped[bool] = mapped_column(default=False, server_default="0")\n',
        )
    )
    (package / "data" / "tables" / "labels.py").write_text(
        textwrap.dedent('''\
        """The `labels` table."""

        from sqlalchemy import String
        from sqlalchemy.orm import Mapped, mapped_column

        from .base import Base, Owned


        class LabelRow(Owned, Base):
            """A row of `labels`."""

            __tablename__ = "labels"

            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(40))
        ''')
    )
    (
        package / "data" / "migrations" / "template" / "template_0002_archived_notes_and_labels.py"
    ).write_text(
        textwrap.dedent('''\
        """Notes can be archived; labels.

        Revision ID: template_0002
        Revises: 0001
        Create Date: 2026-12-01 00:00:00
        """

        from collections.abc import Sequence

        import sqlalchemy as sa
        from alembic import op

        revision: str = "template_0002"
        down_revision: str | Sequence[str] | None = "0001"
        branch_labels: str | Sequence[str] | None = None
        depends_on: str | Sequence[str] | None = None


        def upgrade() -> None:
            """Add notes.archived and the labels table."""
            with op.batch_alter_table("notes") as batch:
                archived = sa.Column("archived", sa.Boolean(), server_default="0", nullable=False)
                batch.add_column(archived)
            op.create_table(
                "labels",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("owner_id", sa.Integer(), nullable=False),
                sa.Column("name", sa.String(length=40), nullable=False),
                sa.ForeignKeyConstraint(
                    ["owner_id"],
                    ["accounts.id"],
                    name="fk_labels_owner_id_accounts",
                    ondelete="CASCADE",
                ),
                sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
            )
            op.create_index(op.f("ix_labels_owner_id"), "labels", ["owner_id"])


        def downgrade() -> None:
            """Drop the labels table and notes.archived."""
            op.drop_table("labels")
            with op.batch_alter_table("notes") as batch:
                batch.drop_column("archived")
        ''')
    )
    shipped_lock = repo / "template" / "uv.lock.jinja"
    shipped_lock.write_text(shipped_lock.read_text() + RELEASE_LOCK_LINE)
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "1.1.0")
    run(repo, "git", "tag", "1.1.0")
    return repo


@pytest.mark.slow
def test_a_release_with_a_migration_lands_beside_the_owners_with_one_head_and_no_conflict(
    database: tuple[str, str],
    app_venv: Path,
    tmp_path: Path,
    isolated_home: Path,  # noqa: F811
) -> None:
    kind, url = database
    repo = _synthetic_releases(tmp_path)
    project = generate(
        str(repo), tmp_path / "shop", "1.0.0", {"project_name": "Shop", "database": kind}
    )
    _owner_feature(project, "shop", old_layout=False)
    owner_lock = (project / "uv.lock").read_text() + OWNER_LOCK_LINE
    (project / "uv.lock").write_text(owner_lock)
    run(project, "git", "commit", "-qam", "owner: pins")
    _migrate(app_venv, project, url)
    _python(app_venv, project, SEED_ROWS, url)

    report = update_project(project, defaults=True, trust=True)

    assert (project / "uv.lock").read_text() == owner_lock  # never the release's lock

    assert (report.from_version, report.to_version) == ("1.0.0", "1.1.0")
    assert (
        report.conflicted == []
    )  # the owner's registrations and the template's change never share lines
    assert report.migrations == [
        "shop/data/migrations/template/template_0002_archived_notes_and_labels.py"
    ]
    assert (
        report.merge_revision is not None
    )  # the owner's revision and the template's: joined, one head
    _migrate(app_venv, project, url)
    _assert_database_survived(app_venv, project, "shop", url)
    if (
        kind == "sqlite"
    ):  # the whole project's own checks, once: lint, types, contracts, migrations, tests
        run(project, "git", "add", "-A")
        result = run_make(project, "check", app_venv, check_env(app_venv, tmp_path, None, None))
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


def test_this_version_is_newer_than_every_release() -> None:
    from mvpscaffold.versions import parse_version

    releases = [parse_version(v) for v in _released_versions()]
    assert releases, "template-versions.toml lists no release"
    assert all(release is not None and release < parse_version(__version__) for release in releases)
