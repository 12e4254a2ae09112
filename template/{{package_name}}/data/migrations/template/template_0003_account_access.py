"""Account access: password-reset and e-mail verification links, tokens' last use and client, disabled accounts.

Revision ID: template_0003
Revises: template_0002
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "template_0003"
down_revision: str | Sequence[str] | None = "template_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the links' tables; give api_tokens their last use and client, accounts disabled_at and email_verified_at.

    A token's last use starts as its creation; no address starts verified.
    """
    op.add_column("accounts", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("accounts", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_tokens", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("api_tokens", sa.Column("client", sa.String(length=200), nullable=True))
    op.execute("UPDATE api_tokens SET last_used_at = created_at")

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_password_resets_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_account_id"), "password_resets", ["account_id"])
    op.create_index(op.f("ix_password_resets_expires_at"), "password_resets", ["expires_at"])

    op.create_table(
        "email_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_email_verifications_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_verifications")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_verifications_token_hash")),
    )
    op.create_index(op.f("ix_email_verifications_account_id"), "email_verifications", ["account_id"])
    op.create_index(op.f("ix_email_verifications_expires_at"), "email_verifications", ["expires_at"])
    # api_tokens has rows: built without blocking its writes, outside the migration's transaction.
    with op.get_context().autocommit_block():
        op.create_index(
            op.f("ix_api_tokens_last_used_at"), "api_tokens", ["last_used_at"], postgresql_concurrently=True
        )


def downgrade() -> None:
    """Drop the links' tables, the tokens' last use and client, the accounts' disabling and verification."""
    op.drop_table("email_verifications")
    op.drop_table("password_resets")
    op.drop_index(op.f("ix_api_tokens_last_used_at"), table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("client")
        batch.drop_column("last_used_at")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("email_verified_at")
        batch.drop_column("disabled_at")
