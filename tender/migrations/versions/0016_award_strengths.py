"""the inkoper-reviewed strengths of the winning bids (issue 12, letters)

Per decision version, the text on what distinguishes each awarded bid in ranked
mode ("kenmerken en relatieve voordelen"), and who confirmed the texts and when.
Existing decisions get no texts: their letters were made without them.

Revision ID: 0016_award_strengths
Revises: 0015_tie_draw_record
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0016_award_strengths"
down_revision: str | None = "0015_tie_draw_record"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.add_column(sa.Column("strengths", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("strengths_confirmed_at", tender.db.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("strengths_confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_award_decision_strengths_confirmed_by_id_user_account",
            "user_account",
            ["strengths_confirmed_by_id"],
            ["id"],
        )
    op.execute("UPDATE award_decision SET strengths = '{}'")
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.alter_column("strengths", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.drop_constraint(
            "fk_award_decision_strengths_confirmed_by_id_user_account", type_="foreignkey"
        )
        batch_op.drop_column("strengths_confirmed_by_id")
        batch_op.drop_column("strengths_confirmed_at")
        batch_op.drop_column("strengths")
