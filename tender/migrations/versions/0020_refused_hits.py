"""refused requests counted per address (issue 13)

SLOT: filled in by the work on issue 13; a no-op until then.

Revision ID: 0020_refused_hits
Revises: 0019_upload_hardening
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

revision: str = "0020_refused_hits"
down_revision: str | None = "0019_upload_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
