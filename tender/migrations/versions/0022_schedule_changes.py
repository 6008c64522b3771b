"""schedule changes as their own action (issue 14 item 3)

SLOT: filled in by the work on issue 14; a no-op until then.

Revision ID: 0022_schedule_changes
Revises: 0021_organisations
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

revision: str = "0022_schedule_changes"
down_revision: str | None = "0021_organisations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
