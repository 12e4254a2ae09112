"""A note's body is optional: NULL, not an empty text, when there is none.

Revision ID: template_0002
Revises: 0001
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "template_0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Let notes.body be NULL, and store the empty bodies written so far as NULL."""
    with op.batch_alter_table("notes") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)
    op.execute("UPDATE notes SET body = NULL WHERE body = ''")


def downgrade() -> None:
    """Store a missing body as an empty text again, and make it required."""
    op.execute("UPDATE notes SET body = '' WHERE body IS NULL")
    with op.batch_alter_table("notes") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
