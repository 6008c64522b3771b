"""indexes where the pages of issue 16 filter (slot; filled by the performance work)

Revision ID: 0025_performance_indexes
Revises: 0024_dossiers
Create Date: 2026-12-03 10:55:00
"""

from collections.abc import Sequence

revision: str = "0025_performance_indexes"
down_revision: str | None = "0024_dossiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
