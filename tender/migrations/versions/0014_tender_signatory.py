"""the signatory of the award letters, from the tender settings

Revision ID: 0014_tender_signatory
Revises: 0013_award_steps
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_tender_signatory"
down_revision: str | None = "0013_award_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tender") as batch_op:
        batch_op.add_column(
            sa.Column("signatory_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "signatory_function", sa.String(length=200), server_default="", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("tender") as batch_op:
        batch_op.drop_column("signatory_function")
        batch_op.drop_column("signatory_name")
