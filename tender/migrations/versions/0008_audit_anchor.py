"""documents record the audit chain's head

Revision ID: 0008_audit_anchor
Revises: 0007_account_activation
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_audit_anchor"
down_revision: str | None = "0007_account_activation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("audit_seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("audit_hash", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_document_audit_anchor_complete"), "(audit_seq IS NULL) = (audit_hash IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_constraint(op.f("ck_document_audit_anchor_complete"), type_="check")
        batch_op.drop_column("audit_hash")
        batch_op.drop_column("audit_seq")
