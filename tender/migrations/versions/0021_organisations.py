"""organisations, members and KvK checks (issue 14 items 1-2)

SLOT: filled in by the work on issue 14; a no-op until then.

Revision ID: 0021_organisations
Revises: 0020_refused_hits
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

revision: str = "0021_organisations"
down_revision: str | None = "0020_refused_hits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
