"""Existing databases survive updates: from every release, and to a release with a migration.

On SQLite and PostgreSQL, each test generates a project at an older version, adds what an owner
adds (a table of their own, its migration, rows in a real database), updates, runs `make migrate`
against that same database, and proves that the rows are still there and that the database equals
the models (`alembic check` on that database, not a fresh one).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from generated import check_env, run_make
from packaging.version import Version, parse
from template_repos import generate, isolated_home, run  # noqa: F401 - isolated_home is a fixture

from mvpscaffold import __version__
from mvpscaffold.projects import add
from mvpscaffold.projects.add import add_resource
from mvpscaffold.projects.resource_spec import parse_field
from mvpscaffold.projects.update import update_project
from mvpscaffold.templates import source
from mvpscaffold.templates.versions import parse_version

REPO_ROOT = Path(__file__).resolve().parents[2]

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

# A resource of the owner's, written by hand as this version's README says.
CURRENT_RECIPE = {
    "domain/invoices.py": '''"""Invoices: what an invoice holds."""

from dataclasses import dataclass
from typing import Annotated

from .records import Record, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice(Record):
    """An invoice."""

    number: Annotated[str, Text(max_length=40)]
''',
    "services/invoices.py": '''"""Invoice use cases."""

from ..domain.invoices import Invoice
from .records import OwnedService


class InvoiceService(OwnedService[Invoice]):
    """The invoices of one owner."""
''',
    "data/tables/invoices.py": '''"""The `invoices` table."""

from ...domain.invoices import Invoice
from .base import owned_table

INVOICES = owned_table("invoices", Invoice)
''',
    "web/routes/invoices.py": '''"""The JSON API of invoices, and a route of the owner's own."""

from ...domain.pagination import PageRequest
from ...services.invoices import InvoiceService
from ..dependencies import ContainerDep, CurrentAccount
from ..records import owned_api

router = owned_api(InvoiceService, "/api/invoices")


@router.get("/count")
def count_invoices(account: CurrentAccount, container: ContainerDep) -> int:
    """How many invoices the account has (up to a hundred)."""
    found = container.service(InvoiceService).list_page(account.id, PageRequest(limit=100))
    return len(found.items)
''',
}

CURRENT_MIGRATION = '''"""Add invoices.

Revision ID: {revision}
Revises: {down}
Create Date: 2026-11-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = "{down}"
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
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["accounts.id"], name="fk_invoices_owner_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index(op.f("ix_invoices_owner_id"), "invoices", ["owner_id"])
    op.create_index(op.f("ix_invoices_created_at"), "invoices", ["created_at"])
    op.create_index(
        "ix_invoices_owner_id_created_at_id",
        "invoices",
        ["owner_id", "created_at", "id"],
    )


def downgrade() -> None:
    """Drop the invoices table."""
    op.drop_table("invoices")
'''

OWNER_MIGRATION = '''"""Add invoices.

Revision ID: {revision}
Revises: {down}
Create Date: 2026-11-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = "{down}"
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
# The same rows for a resource of this version's pattern, whose rows also say when they changed.
SEED_CURRENT_ROWS = SEED_ROWS.replace(
    "invoices (id, owner_id, number, created_at) VALUES (1, 1, 'INV-1', :n)",
    "invoices (id, owner_id, number, created_at, updated_at) VALUES (1, 1, 'INV-1', :n, :n)",
)

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
    """What an owner adds and commits: a table and its migration, or (new layout) a resource."""
    data = project / package / "data"
    if old_layout:
        tables = data / "tables.py"
        tables.write_text(tables.read_text() + OLD_LAYOUT_TABLE)
        (data / "migrations" / "versions" / "0002_invoices.py").write_text(
            OWNER_MIGRATION.format(revision="0002", down="0001")
        )
        (data / "repositories" / "invoices.py").write_text(OLD_LAYOUT_IMPORT)
    else:
        for relative, text in CURRENT_RECIPE.items():
            (project / package / relative).write_text(text)
        migration = data / "migrations" / "versions" / "20261101_120000_invoices.py"
        head = _template_head(data / "migrations" / "template")
        migration.write_text(CURRENT_MIGRATION.format(revision="20261101_120000", down=head))
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


def _releases_with_tables_py() -> list[str]:
    """The releases whose tables were one module, `data/tables.py` (0.3.0 made it a package)."""
    return [version for version in _released_versions() if parse(version) < parse("0.3.0")]


@pytest.mark.slow
@pytest.mark.parametrize("old", _releases_with_tables_py())
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
    # Releases before 0.3.0 kept every table in one data/tables.py.
    old_layout = parse_version(old) < parse_version("0.3.0")
    _owner_feature(project, "shop", old_layout=old_layout)
    _migrate(app_venv, project, url)
    _python(app_venv, project, SEED_ROWS, url)

    report = update_project(project, defaults=True)

    assert report.from_version == old
    assert not report.conflicted, report.conflicted
    if old_layout:
        moved = project / "shop" / "data" / "tables" / "invoices.py"
        assert (
            "class InvoiceRow(Base):" in moved.read_text()
        )  # the owner's table, out of the old tables.py
        assert not (project / "shop" / "data" / "tables.py").exists()
        imports = (project / "shop" / "data" / "repositories" / "invoices.py").read_text()
        expected = "from ..tables.invoices import InvoiceRow\nfrom ..tables.notes import NoteRow\n"
        assert expected in imports
    # The template's newest revision (the releases table) arrives with the update.
    head = _template_head(TEMPLATE_REVISIONS)
    assert any(f"/{head}_" in migration for migration in report.migrations), report.migrations
    _migrate(app_venv, project, url)
    _assert_database_survived(app_venv, project, "shop", url)


# What `mvpscaffold add resource` of 0.3.0 wrote into bootstrap.py besides the resource's own files.
REGISTRATIONS_OF_0_3_0 = {
    "from .data.repositories.accounts import SqlAccountRepository\n": (
        "from .data.repositories.invoice_lines import SqlInvoiceLineRepository\n"
        "from .data.repositories.invoices import SqlInvoiceRepository\n"
    ),
    "from .services.accounts import AccountService\n": (
        "from .services.invoice_lines import InvoiceLineService\n"
        "from .services.invoices import InvoiceService\n"
    ),
    "    notes: NoteService\n": (
        "    invoices: InvoiceService\n    invoice_lines: InvoiceLineService\n"
    ),
    "        notes=NoteService(SqlUnitOfWorkFactory(engine, SqlNoteRepository)),\n": (
        "        invoices=InvoiceService(SqlUnitOfWorkFactory(engine, SqlInvoiceRepository)),\n"
        "        invoice_lines=InvoiceLineService("
        "SqlUnitOfWorkFactory(engine, SqlInvoiceLineRepository)),\n"
    ),
}

SEED_RESOURCES = """
import sys
from datetime import UTC, datetime
from sqlalchemy import create_engine, text

engine = create_engine(sys.argv[1])
now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
with engine.begin() as db:
    for statement in (
        "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (1, 'a@x', 'h', :n)",
        "INSERT INTO accounts (id, email, password_hash, created_at) VALUES (2, 'b@x', 'h', :n)",
        "INSERT INTO notes (id, owner_id, title, body, created_at, updated_at)"
        " VALUES (1, 1, 'Kept', '', :n, :n)",
        "INSERT INTO invoices (id, owner_id, number, amount, created_at, updated_at)"
        " VALUES (1, 1, 'INV-1', 12.5, :n, :n), (2, 2, 'INV-2', 3, :n, :n)",
        "INSERT INTO invoice_lines (id, invoice_id, label, quantity, created_at, updated_at)"
        " VALUES (1, 1, 'Pens', 3, :n, :n), (2, 2, 'Ink', 1, :n, :n)",
    ):
        db.execute(text(statement), {"n": now})
"""

LINE_OWNERS = """
import json, sys
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1]).connect() as db:
    rows = db.execute(text("SELECT id, owner_id FROM invoice_lines ORDER BY id")).all()
    print(json.dumps([list(row) for row in rows]))
"""


@pytest.mark.slow
def test_a_project_of_0_3_0_with_added_resources_updates_keeping_its_rows(
    database: tuple[str, str],
    app_venv: Path,
    tmp_path: Path,
    isolated_home: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind, url = database
    src, _ref = source.default_template()
    project = generate(src, tmp_path / "shop", "0.3.0", {"project_name": "Shop", "database": kind})
    # As 0.3.0's `add resource` left them: the resources' files, and their lines in bootstrap.py.
    # Today's refuses a 0.3.0 project (it would not edit bootstrap.py): stand in for 0.3.0's.
    monkeypatch.setattr(add, "FIRST_ADDABLE", Version("0.3.0"))
    add_resource(
        project,
        "invoices",
        [parse_field(f) for f in ("number:str:40", "amount:decimal")],
        None,
        commit=True,
    )
    add_resource(
        project,
        "invoice_lines",
        [parse_field(f) for f in ("label:str", "quantity:int")],
        "invoices",
        commit=False,
    )
    bootstrap = project / "shop" / "bootstrap.py"
    text = bootstrap.read_text()
    for line, added in REGISTRATIONS_OF_0_3_0.items():
        assert line in text, line
        text = text.replace(line, line + added)
    bootstrap.write_text(text)
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "owner: invoices and their lines")
    _migrate(app_venv, project, url)
    _python(app_venv, project, SEED_RESOURCES, url)

    report = update_project(project, defaults=True)

    assert (report.from_version, report.to_version) == ("0.3.0", __version__)
    assert not report.conflicted, report.conflicted
    assert report.resources == ["invoice_lines", "invoices"]
    assert "Invoice" not in bootstrap.read_text()  # the app finds every service by itself now
    assert not (project / "shop" / "data" / "repositories" / "invoices.py").exists()
    assert any(path.endswith("_owner_of_invoice_lines.py") for path in report.migrations)
    _migrate(app_venv, project, url)
    counts = json.loads(
        _python(
            app_venv, project, COUNT_ROWS, url, "accounts", "notes", "invoices", "invoice_lines"
        )
    )
    assert counts == {"accounts": 2, "notes": 1, "invoices": 2, "invoice_lines": 2}
    assert json.loads(_python(app_venv, project, LINE_OWNERS, url)) == [
        [1, 1],
        [2, 2],
    ]  # each its invoice's owner
    _python(app_venv, project, CHECK_SCHEMA.format(package="shop"), url)
    run(project, "git", "add", "-A")
    env = check_env(app_venv, tmp_path, url if kind == "postgresql" else None, None)
    env.pop("TEST_DATABASE_URL", None)
    if kind == "postgresql":
        env["TEST_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/postgres"
    result = run_make(project, "check", app_venv, env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]


# The template revision release 1.1.0 adds, after the template's own newest.
SYNTHETIC_REVISION = "template_9001"
# 1.1.0 ships another uv.lock; the owner's own (here marked by a comment) must stay theirs.
RELEASE_LOCK_LINE = "# the lock of release 1.1.0\n"
OWNER_LOCK_LINE = "# the owner's pins\n"


TEMPLATE_REVISIONS = (
    REPO_ROOT / "template" / "{{package_name}}" / "data" / "migrations" / "template"
)


def _template_head(folder: Path) -> str:
    """The newest revision id among a folder of template migrations (the one no other revises)."""
    declared = {}
    for path in folder.glob("*.py"):
        text = path.read_text()
        revision = re.search(r'^revision: str = "([^"]+)"', text, re.MULTILINE)
        down = re.search(r'^down_revision: .* = "([^"]+)"', text, re.MULTILINE)
        assert revision, path
        declared[revision.group(1)] = down.group(1) if down else None
    [head] = set(declared) - set(declared.values())
    return head


def _synthetic_releases(root: Path) -> Path:
    """This template as release 1.0.0, then 1.1.0: a notes column and a new table, by migration."""
    head = _template_head(TEMPLATE_REVISIONS)
    repo = root / "template-repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / "copier.yml", repo / "copier.yml")
    for folder in ("template", "resource"):  # the example notes are rendered from resource/
        shutil.copytree(
            REPO_ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-qm", "1.0.0")
    run(repo, "git", "tag", "1.0.0")
    package = repo / "template" / "{{package_name}}"
    example = repo / "template" / ".macros" / "example.jinja"  # the example notes' fields
    example.write_text(
        example.read_text().replace(
            "        {'name': 'body', 'type': 'text', 'optional': false},\n",
            "        {'name': 'body', 'type': 'text', 'optional': false},\n"
            "        {'name': 'archived', 'type': 'bool', 'optional': true},\n",
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
        package
        / "data"
        / "migrations"
        / "template"
        / f"{SYNTHETIC_REVISION}_archived_notes_and_labels.py"
    ).write_text(
        textwrap.dedent(f'''\
        """Notes can be archived; labels.

        Revision ID: {SYNTHETIC_REVISION}
        Revises: {head}
        Create Date: 2026-12-01 00:00:00
        """

        from collections.abc import Sequence

        import sqlalchemy as sa
        from alembic import op

        revision: str = "{SYNTHETIC_REVISION}"
        down_revision: str | Sequence[str] | None = "{head}"
        branch_labels: str | Sequence[str] | None = None
        depends_on: str | Sequence[str] | None = None


        def upgrade() -> None:
            """Add notes.archived and the labels table."""
            with op.batch_alter_table("notes") as batch:
                batch.add_column(sa.Column("archived", sa.Boolean(), nullable=True))
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
    _python(app_venv, project, SEED_CURRENT_ROWS, url)

    report = update_project(project, defaults=True, trust=True)

    assert (project / "uv.lock").read_text() == owner_lock  # never the release's lock

    assert (report.from_version, report.to_version) == ("1.0.0", "1.1.0")
    assert (
        report.conflicted == []
    )  # the owner's registrations and the template's change never share lines
    assert report.migrations == [
        f"shop/data/migrations/template/{SYNTHETIC_REVISION}_archived_notes_and_labels.py"
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
    releases = [parse_version(v) for v in _released_versions()]
    assert releases, "template-versions.toml lists no release"
    assert all(release is not None and release < parse_version(__version__) for release in releases)


# The recipe of 0.1.0 and 0.2.0 ("Adding a feature"): a service of the owner's wired beside the
# notes in bootstrap.py, and the test fixtures importing its table from data/tables.py.
OWNER_SERVICE_OF_0_2_0 = '''"""Invoice use cases."""

from .ports import UnitOfWorkFactory


class InvoiceService:
    """The invoices of one owner."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory
'''
CONFLICT_BLOCK = re.compile(
    r"^<<<<<<< [^\n]*\n.*?^=======\n(?P<after>.*?)^>>>>>>> [^\n]*\n", re.MULTILINE | re.DOTALL
)


@pytest.mark.slow
@pytest.mark.parametrize("old", _releases_with_tables_py())
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_project_that_followed_its_releases_readme_updates_without_a_traceback(
    old: str,
    database: tuple[str, str],
    app_venv: Path,
    tmp_path: Path,
    isolated_home: Path,  # noqa: F811
) -> None:
    _kind, url = database
    src, _ref = source.default_template()
    project = generate(src, tmp_path / "shop", old, {"project_name": "Shop"})
    (project / "shop" / "services" / "invoices.py").write_text(OWNER_SERVICE_OF_0_2_0)
    bootstrap = project / "shop" / "bootstrap.py"
    bootstrap.write_text(
        bootstrap.read_text()
        .replace(
            "from .services.notes import NoteService\n",
            "from .services.invoices import InvoiceService\n"
            "from .services.notes import NoteService\n",
        )
        .replace(
            "    notes: NoteService\n", "    notes: NoteService\n    invoices: InvoiceService\n"
        )
        .replace(
            "        notes=NoteService(uow_factory),\n",
            "        notes=NoteService(uow_factory),\n"
            "        invoices=InvoiceService(uow_factory),\n",
        )
    )
    conftest = project / "tests" / "conftest.py"
    conftest.write_text(
        conftest.read_text().replace(
            "from shop.data.tables import Base\n", "from shop.data.tables import Base, InvoiceRow\n"
        )
        + "\n\nOWNER_TABLES = [InvoiceRow]\n"
    )
    _owner_feature(project, "shop", old_layout=True)
    _migrate(app_venv, project, url)
    _python(app_venv, project, SEED_ROWS, url)

    done = subprocess.run(
        [sys.executable, "-m", "mvpscaffold", "update", str(project), "--defaults", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr  # left to the owner: not done yet
    report = json.loads(done.stdout)
    assert report["conflicted"] == ["shop/bootstrap.py", "tests/conftest.py"]
    [todo] = report["by_hand"]  # the step never parsed the file with conflict markers
    assert todo.startswith("tests/conftest.py: ")
    assert "InvoiceRow to data/tables/invoices.py" in todo
    assert any(
        note.startswith("shop/data/tables/invoices.py: InvoiceRow moved") for note in report["done"]
    )
    crossed = [v for v in ("0.2.0", "0.3.0", "0.4.0") if parse(v) > parse(old)]
    assert [section.split(":")[0] for section in report["guide"]] == [f"## {v}" for v in crossed]
    # The owner resolves (the template's side of each block), does what BY HAND says, and ports
    # what UPGRADING.md's 0.3.0 and 0.4.0 sections say: a generic port, a renamed table.
    bootstrap.write_text(CONFLICT_BLOCK.sub(r"\g<after>", bootstrap.read_text()))
    conftest.write_text(
        CONFLICT_BLOCK.sub(r"\g<after>", conftest.read_text()).replace(
            "from shop.data.tables import Base\n",
            "from shop.data.tables import Base\nfrom shop.data.tables.invoices import InvoiceRow\n",
        )
    )
    service = project / "shop" / "services" / "invoices.py"
    service.write_text(
        service.read_text().replace("UnitOfWorkFactory)", "UnitOfWorkFactory[object])")
    )
    imports = project / "shop" / "data" / "repositories" / "invoices.py"
    imports.write_text(
        imports.read_text()
        .replace("from ..tables.notes import NoteRow\n", "")
        .replace('"InvoiceRow", "NoteRow"', '"InvoiceRow"')
    )
    run(project, "git", "add", "-A")
    _migrate(app_venv, project, url)
    _assert_database_survived(app_venv, project, "shop", url)
    env = check_env(app_venv, tmp_path, None, None)
    run_make(project, "format", app_venv, env)
    result = run_make(project, "check", app_venv, env)
    assert result.returncode == 0, result.stdout[:8000] + result.stderr[-3000:]
