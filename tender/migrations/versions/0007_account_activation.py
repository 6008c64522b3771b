"""accounts: activation links, one-time passwords, confirmed inkoper role

Revision ID: 0007_account_activation
Revises: 0006_tie_draw
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

revision: str = "0007_account_activation"
down_revision: str | None = "0006_tie_draw"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
