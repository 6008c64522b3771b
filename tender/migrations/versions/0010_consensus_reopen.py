"""consensus can be reopened by the chair with a reason

Revision ID: 0010_consensus_reopen
Revises: 0009_sanitised_attachments
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0010_consensus_reopen"
down_revision: str | None = "0009_sanitised_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consensus_score") as batch_op:
        batch_op.add_column(sa.Column("reopened_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reopened_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reopen_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            "fk_consensus_score_reopened_by_id_user_account",
            "user_account",
            ["reopened_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("consensus_score") as batch_op:
        batch_op.drop_constraint(
            "fk_consensus_score_reopened_by_id_user_account", type_="foreignkey"
        )
        batch_op.drop_column("reopen_reason")
        batch_op.drop_column("reopened_by_id")
        batch_op.drop_column("reopened_at")
