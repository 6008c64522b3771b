"""indexes where the pages of issue 16 filter (slot; filled by the performance work)

Revision ID: 0025_performance_indexes
Revises: 0024_dossiers
Create Date: 2026-12-03 10:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025_performance_indexes"
down_revision: str | None = "0024_dossiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


INDEXES = (
    ("ix_bid_tender_status", "bid", ["tender_id", "status"]),
    ("ix_document_tender_kind", "document", ["tender_id", "kind"]),
    ("ix_gap_decision_tender", "gap_decision", ["tender_id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
