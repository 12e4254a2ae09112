"""`make migrations-lint` refuses a migration that breaks the running release, but a contract step.

The generated project renders each revision's PostgreSQL SQL offline and hands it to squawk, so the
check needs no database server and runs on SQLite projects too. An ordinary change passes it: a field
with a default, added to a table that has rows, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from generated import check_env, render, run_make

pytestmark = pytest.mark.slow

DESTRUCTIVE = '''"""Notes lose their body; titles become headlines; accounts get a required plan.

Revision ID: 20261206_120000
Revises: {head}
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_120000"
down_revision: str | Sequence[str] | None = "{head}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
{contract}

def upgrade() -> None:
    """Apply this revision."""
    op.drop_column("notes", "body")
    op.alter_column("notes", "title", new_column_name="headline")
{more}

def downgrade() -> None:
    """Revert this revision."""
'''
REQUIRED_COLUMN = '    op.add_column("accounts", sa.Column("plan", sa.Text(), nullable=False))\n'
BLOCKING_INDEX = '    op.create_index("ix_notes_updated_at", "notes", ["updated_at"])\n'
CONCURRENT_INDEX = """    with op.get_context().autocommit_block():
        op.create_index(
            "ix_notes_updated_at", "notes", ["updated_at"], postgresql_concurrently=True
        )
"""


CONTRACT = "\n# Drops what the previous release stopped using.\ncontract_step = True\n"


def template_head(project: Path) -> str:
    """The newest of the template's revisions: the one no other revises."""
    folder = project / "my_app" / "data" / "migrations" / "template"
    texts = [path.read_text() for path in folder.glob("*.py")]
    ids = {m[1] for text in texts if (m := re.search(r'^revision: str = "(.+)"', text, re.M))}
    downs = {m[1] for text in texts if (m := re.search(r'^down_revision: .* = "(.+)"', text, re.M))}
    [head] = ids - downs
    return head


def write_revision(project: Path, *, contract: bool, more: str = "") -> Path:
    """An owner's revision after the template's newest."""
    path = project / "my_app" / "data" / "migrations" / "versions" / "20261206_120000_notes.py"
    marker = CONTRACT if contract else ""
    path.write_text(DESTRUCTIVE.format(head=template_head(project), contract=marker, more=more))
    return path


def test_the_lint_refuses_a_destructive_migration_unless_it_is_the_contract_step(
    copie: Any, app_venv: Path, tmp_path: Path
) -> None:
    project = render(copie, {})
    env = check_env(app_venv, tmp_path, None, None)
    clean = run_make(project, "migrations-lint", app_venv, env)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    write_revision(project, contract=False, more=REQUIRED_COLUMN + BLOCKING_INDEX)
    refused = run_make(project, "migrations-lint", app_venv, env)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    for rule in (
        "ban-drop-column",
        "renaming-column",
        "adding-required-field",
        "require-concurrent-index-creation",
    ):
        assert rule in output, rule
    assert "20261206_120000_notes.sql:" in output
    assert "contract_step = True" in output  # the sentence says what to do

    # Marked as the contract step, the drop and the rename pass; the table lock still does not.
    write_revision(project, contract=True, more=BLOCKING_INDEX)
    still_locking = run_make(project, "migrations-lint", app_venv, env)
    output = still_locking.stdout + still_locking.stderr
    assert still_locking.returncode != 0
    assert "require-concurrent-index-creation" in output
    assert "ban-drop-column" not in output and "renaming-column" not in output

    write_revision(project, contract=True, more=CONCURRENT_INDEX)
    accepted = run_make(project, "migrations-lint", app_venv, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    template_folder = project / "my_app" / "data" / "migrations" / "template"
    revisions = len(list(template_folder.glob("*.py"))) + 1  # the template's and the owner's
    assert f"Migrations lint passed: {revisions} revisions" in accepted.stdout


# Fields an owner adds later to a record that already has rows, each with a default of its kind.
LATER_FIELDS = '''    rush: bool = False
    reviewed: bool = True
    copies: int = -3
    price: Decimal = Decimal("1.50")
    tag: Annotated[str, Text(max_length=20)] = "it's"
    due: date = date(2025, 1, 31)
    sent: datetime = datetime(2025, 1, 31, 3, 4, 5, tzinfo=UTC)
'''
LATER_DEFAULTS = {
    "rush": False,
    "reviewed": True,
    "copies": -3,
    "price": Decimal("1.50"),
    "tag": "it's",
    "due": date(2025, 1, 31),
    "sent": datetime(2025, 1, 31, 3, 4, 5, tzinfo=UTC),
}
SEED_NOTE = """
import sys
from datetime import datetime
from sqlalchemy import create_engine, text

with create_engine(sys.argv[1]).begin() as db:
    now = datetime(2026, 1, 1)
    db.execute(text("INSERT INTO accounts (id, email, password_hash, created_at) VALUES (1, 'a@x', 'h', :n)"), {"n": now})
    db.execute(
        text("INSERT INTO notes (id, owner_id, title, body, created_at, updated_at) VALUES (1, 1, 'Kept', '', :n, :n)"),
        {"n": now},
    )
"""
READ_NOTE = """
import sys
from sqlalchemy.orm import Session
from my_app.data.engine import build_engine
from my_app.data.records import SqlRecords
from my_app.domain.notes import Note

with Session(build_engine(sys.argv[1])) as session:
    note = SqlRecords(session, Note).get(1, 1)
    print(repr({name: getattr(note, name) for name in sys.argv[2:]}))
"""


def test_a_field_with_a_default_added_to_a_table_with_rows_passes_the_lint_and_fills_them(
    copie: Any, app_venv: Path, tmp_path: Path, database: tuple[str, str]
) -> None:
    kind, url = database
    project = render(copie, {"database": kind})
    admin = url.rsplit("/", 1)[0] + "/postgres" if kind == "postgresql" else None
    env = {**check_env(app_venv, tmp_path, admin, None), "DATABASE_URL": url}
    python = str(app_venv / "bin" / "python")

    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("make", "migrate", f"VENV={app_venv}")
    run(python, "-c", SEED_NOTE, url)
    notes = project / "my_app" / "domain" / "notes.py"
    imports = "from datetime import UTC, date, datetime\nfrom decimal import Decimal\n"
    notes.write_text(notes.read_text().replace("from typing import", imports + "from typing import") + LATER_FIELDS)

    # Written from the tables, compared against a scratch database of the same kind, then linted.
    assert "Migrations lint passed" in run("make", "migration", f"VENV={app_venv}", "m=notes gain fields with defaults")
    (migration,) = (project / "my_app" / "data" / "migrations" / "versions").glob("*_notes_gain_*.py")
    written = migration.read_text()
    assert 'sa.Column("rush", sa.Boolean(), server_default=sa.false(), nullable=False)' in written
    assert 'server_default=sa.true()' in written  # the same on both databases, not SQLite's 1
    assert "server_default=sa.text(\"'-3'\")" in written  # a constant to squawk, not an expression
    assert "Migrations lint passed" in run("make", "migrations-lint", f"VENV={app_venv}")
    run("make", "migrate", f"VENV={app_venv}")

    assert run(python, "-c", READ_NOTE, url, *LATER_DEFAULTS) == f"{LATER_DEFAULTS!r}\n"
    run(str(app_venv / "bin" / "alembic"), "check")  # the owner's database equals the models
    run("make", "migrations-check", f"VENV={app_venv}")

    # A required field without a default: `make migration` writes it and says at once, before a migrate fails.
    notes.write_text(notes.read_text() + "    code: Annotated[str, Text(max_length=10)]\n")
    made = subprocess.run(
        ["make", "migration", f"VENV={app_venv}", "m=notes gain a code"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode != 0
    assert "adding-required-field" in made.stdout + made.stderr
    assert list((project / "my_app" / "data" / "migrations" / "versions").glob("*_notes_gain_a_code.py"))
