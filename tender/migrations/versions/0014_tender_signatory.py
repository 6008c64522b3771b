"""the signatory of the award letters, from the tender settings

Revision ID: 0014_tender_signatory
Revises: 0013_award_steps
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0014_tender_signatory"
down_revision: str | None = "0013_award_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
