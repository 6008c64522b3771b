"""consensus can be reopened by the chair with a reason

Revision ID: 0010_consensus_reopen
Revises: 0009_sanitised_attachments
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

revision: str = "0010_consensus_reopen"
down_revision: str | None = "0009_sanitised_attachments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
