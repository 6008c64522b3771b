"""the award decision in four steps, versioned and revisable; resumable document jobs

Revision ID: 0013_award_steps
Revises: 0012_committee_member_removed
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0013_award_steps"
down_revision: str | None = "0012_committee_member_removed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
