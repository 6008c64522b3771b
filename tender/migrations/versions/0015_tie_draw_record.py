"""the record of a draw by lot: method, who drew, witnesses

Revision ID: 0015_tie_draw_record
Revises: 0014_tender_signatory
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision: str = "0015_tie_draw_record"
down_revision: str | None = "0014_tender_signatory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
