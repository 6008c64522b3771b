"""documents record the audit chain's head

Revision ID: 0008_audit_anchor
Revises: 0007_account_activation
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

revision: str = "0008_audit_anchor"
down_revision: str | None = "0007_account_activation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
