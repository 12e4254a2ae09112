"""`make migrations-lint` refuses a migration that breaks the running release, but a contract step.

The generated project renders each revision's PostgreSQL SQL offline and hands it to squawk, so the
check needs no database server and runs on SQLite projects too.
"""

from __future__ import annotations

import re
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
