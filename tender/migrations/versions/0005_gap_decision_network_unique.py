"""one network gap decision per lot and municipality

Revision ID: 0005_gap_decision_network_unique
Revises: 0004_document_job
Create Date: 2026-11-27 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_gap_decision_network_unique"
down_revision: str | None = "0004_document_job"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_gap_decision_network",
        "gap_decision",
        ["lot_id", "municipality_id"],
        unique=True,
        sqlite_where=sa.text("target_group_id IS NULL"),
        postgresql_where=sa.text("target_group_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_gap_decision_network", table_name="gap_decision")
