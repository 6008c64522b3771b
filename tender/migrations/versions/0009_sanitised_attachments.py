"""sanitised copies of attachments for the committee, held back or released

Revision ID: 0009_sanitised_attachments
Revises: 0008_audit_anchor
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

revision: str = "0009_sanitised_attachments"
down_revision: str | None = "0008_audit_anchor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
