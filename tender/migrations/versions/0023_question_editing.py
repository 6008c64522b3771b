"""questions edited, merged and ordered before publication (issue 14 item 4)

SLOT: filled in by the work on issue 14; a no-op until then.

Revision ID: 0023_question_editing
Revises: 0022_schedule_changes
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

revision: str = "0023_question_editing"
down_revision: str | None = "0022_schedule_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
