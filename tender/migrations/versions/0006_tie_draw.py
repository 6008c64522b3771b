"""draws by lot for ties on the cut-off

Revision ID: 0006_tie_draw
Revises: 0005_gap_decision_network_unique
Create Date: 2026-11-27 04:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0006_tie_draw"
down_revision: str | None = "0005_gap_decision_network_unique"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tie_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("lot_code", sa.String(length=20), nullable=False),
        sa.Column("drawn_order", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", tender.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_tie_draw_recorded_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tender.id"], name=op.f("fk_tie_draw_tender_id_tender")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tie_draw")),
        sa.UniqueConstraint("tender_id", "lot_code", name=op.f("uq_tie_draw_tender_id_lot_code")),
    )


def downgrade() -> None:
    op.drop_table("tie_draw")
