"""the framework contract's clause template frozen with the tender (issue 12)

Slot reserved for this change; empty until its schema lands.

Revision ID: 0017_contract_clauses
Revises: 0016_award_strengths
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

revision: str = "0017_contract_clauses"
down_revision: str | None = "0016_award_strengths"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
