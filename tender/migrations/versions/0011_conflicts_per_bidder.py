"""conflict-of-interest declarations per named bidding organisation

Revision ID: 0011_conflicts_per_bidder
Revises: 0010_consensus_reopen
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

revision: str = "0011_conflicts_per_bidder"
down_revision: str | None = "0010_consensus_reopen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
