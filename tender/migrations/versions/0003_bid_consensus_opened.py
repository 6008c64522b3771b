"""the chair may open the consensus phase of a bid early

Revision ID: 0003_bid_consensus_opened
Revises: 0002_qa_round_document
Create Date: 2026-11-27 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0003_bid_consensus_opened"
down_revision: str | None = "0002_qa_round_document"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bid") as batch_op:
        batch_op.add_column(
            sa.Column("consensus_opened_at", tender.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("consensus_opened_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_bid_consensus_opened_by_id_user_account",
            "user_account",
            ["consensus_opened_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("bid") as batch_op:
        batch_op.drop_constraint("fk_bid_consensus_opened_by_id_user_account", type_="foreignkey")
        batch_op.drop_column("consensus_opened_by_id")
        batch_op.drop_column("consensus_opened_at")
