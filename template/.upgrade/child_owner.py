"""Upgrade step of 0.4.0: every record of a resource has its owner, children included.

Before 0.4.0 the records of a child resource (invoice lines under invoices) had no `owner_id` of
their own: they were reached through their parent's. Run by copier after it updates such a
resource (copier.yml, `_migrations`), in the project's folder, this writes the revision that gives
its table an indexed `owner_id`, filled in from each row's parent, so the table is what its
record's declaration builds now. `make migrate` applies it; the rows stay.

Arguments: the package, and the resource's answers file. Standard library only, plus the YAML
reader copier itself needs.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from owner_notes import done, run

MIGRATION = '''"""Give {table} an owner of their own, the owner of their {parent_label}.

Revision ID: {revision}
Revises: {down_revision}
Create Date: {created}
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "{revision}"
down_revision: str | Sequence[str] | None = "{down_revision}"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# It rewrites the table once, while the release step runs: quick on the tables of a young app.
locks_tables = "{table} gains a column filled from its parent, with its index and foreign key"


def upgrade() -> None:
    """Add {table}.owner_id, copied from each row's {parent_label}, with its index and foreign key."""
    with op.batch_alter_table("{table}") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE {table} SET owner_id ="
        " (SELECT {parent}.owner_id FROM {parent} WHERE {parent}.id = {table}.{key})"
    )
    with op.batch_alter_table("{table}") as batch:
        batch.alter_column("owner_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            op.f("fk_{table}_owner_id_accounts"), "accounts", ["owner_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_{table}_owner_id"), ["owner_id"])
        batch.drop_index("ix_{table}_{key}_created_at_id")
        batch.create_index("ix_{table}_owner_id_created_at_id", ["owner_id", "created_at", "id"])


def downgrade() -> None:
    """Drop {table}.owner_id again."""
    with op.batch_alter_table("{table}") as batch:
        batch.drop_index("ix_{table}_owner_id_created_at_id")
        batch.create_index("ix_{table}_{key}_created_at_id", ["{key}", "created_at", "id"])
        batch.drop_index(op.f("ix_{table}_owner_id"))
        batch.drop_constraint(op.f("fk_{table}_owner_id_accounts"), type_="foreignkey")
        batch.drop_column("owner_id")
'''


def main(package: str, answers: str) -> int:
    """Write the revision once, after the resource's own; a later update finds it and stops."""
    resource = yaml.safe_load(Path(answers).read_text(encoding="utf-8"))["resource"]
    table, parent, own_revision = resource["name"], resource["parent"]["name"], resource["revision"]
    key = f"{resource['parent']['singular']}_id"
    versions = Path(package) / "data" / "migrations" / "versions"
    if any(versions.glob(f"*_owner_of_{table}.py")):
        return 0
    taken = {path.name[:15] for path in versions.glob("*.py")}  # revisions are named by their time
    now = datetime.now(UTC)
    while (revision := now.strftime("%Y%m%d_%H%M%S")) in taken:
        now += timedelta(seconds=1)
    path = versions / f"{revision}_owner_of_{table}.py"
    path.write_text(
        MIGRATION.format(
            table=table,
            parent=parent,
            parent_label=key.removesuffix("_id").replace("_", " "),
            key=key,
            revision=revision,
            down_revision=own_revision,
            created=now.strftime("%Y-%m-%d %H:%M:%S"),
        ),
        encoding="utf-8",
    )
    done(path, f"gives {table} an owner_id of their own, from each row's parent; run `make migrate`")
    return 0


if __name__ == "__main__":
    run(lambda: main(sys.argv[1], sys.argv[2]))
