"""what the award report as proces-verbaal needs (issue 12)

Slot reserved for this change; empty until its schema lands.

Revision ID: 0018_award_report_record
Revises: 0017_contract_clauses
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

revision: str = "0018_award_report_record"
down_revision: str | None = "0017_contract_clauses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
