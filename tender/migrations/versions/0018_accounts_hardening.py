"""accounts: a session version per user, registrations waiting for e-mail confirmation

Revision ID: 0018_accounts_hardening
Revises: 0017_contract_clauses
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0018_accounts_hardening"
down_revision: str | None = "0017_contract_clauses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    op.create_table(
        "pending_registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("organisation_fields", sa.JSON(), nullable=False),
        sa.Column("created_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", tender.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_registration")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_pending_registration_token_hash")),
    )
    op.create_index(
        op.f("ix_pending_registration_email"), "pending_registration", ["email"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_registration_email"), table_name="pending_registration")
    op.drop_table("pending_registration")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("session_version")
