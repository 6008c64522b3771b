"""an index on the audit trail's (tender, action): the Logboek's list of actions

Revision ID: 0028_audit_tender_action
Revises: 0027_outcome_cache
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028_audit_tender_action"
down_revision: str | None = "0027_outcome_cache"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_event_tender_action", "audit_event", ["tender_id", "action"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_tender_action", table_name="audit_event")
