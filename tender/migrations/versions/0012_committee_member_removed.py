"""a member taken off the committee keeps its row, marked as removed

Until now the member and its conflict declaration were deleted, so the award report
lost the declaration. The row now records when, why and by whom it was removed.

Revision ID: 0012_committee_member_removed
Revises: 0011_conflicts_per_bidder
Create Date: 2026-12-02 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0012_committee_member_removed"
down_revision: str | None = "0011_conflicts_per_bidder"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("committee_member") as batch_op:
        batch_op.add_column(sa.Column("removed_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("removed_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("removed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_committee_member_removed_by_id_user_account",
            "user_account",
            ["removed_by_id"],
            ["id"],
        )


def downgrade() -> None:
    # Removed members go, with their declarations, as they did before this version.
    removed = "SELECT id FROM committee_member WHERE removed_at IS NOT NULL"
    op.execute(
        "DELETE FROM conflict_answer WHERE declaration_id IN (SELECT id FROM "
        f"conflict_declaration WHERE member_id IN ({removed}))"
    )
    op.execute(f"DELETE FROM conflict_declaration WHERE member_id IN ({removed})")
    op.execute("DELETE FROM committee_member WHERE removed_at IS NOT NULL")
    with op.batch_alter_table("committee_member") as batch_op:
        batch_op.drop_constraint(
            "fk_committee_member_removed_by_id_user_account", type_="foreignkey"
        )
        batch_op.drop_column("removed_by_id")
        batch_op.drop_column("removed_reason")
        batch_op.drop_column("removed_at")
