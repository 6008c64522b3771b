"""the inkoper-reviewed strengths of the winning bids (issue 12, letters)

Slot reserved for this change; empty until its schema lands.

Revision ID: 0016_award_strengths
Revises: 0015_tie_draw_record
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

revision: str = "0016_award_strengths"
down_revision: str | None = "0015_tie_draw_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
