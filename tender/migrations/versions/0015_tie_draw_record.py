"""the record of a draw by lot: method, who drew, witnesses

Until now a draw kept only its order and a free note. Existing draws keep their
note as the method; who drew and the witnesses were never recorded (left empty),
and the moment of recording stands in for the moment of the draw.

Revision ID: 0015_tie_draw_record
Revises: 0014_tender_signatory
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0015_tie_draw_record"
down_revision: str | None = "0014_tender_signatory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tie_draw") as batch_op:
        batch_op.add_column(sa.Column("method", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("drawn_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("witnesses", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("drawn_at", tender.db.UTCDateTime(), nullable=True))
    op.execute(
        "UPDATE tie_draw SET method = note, drawn_by = '', witnesses = '[]', drawn_at = recorded_at"
    )
    with op.batch_alter_table("tie_draw") as batch_op:
        batch_op.alter_column("method", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("drawn_by", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("witnesses", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("drawn_at", existing_type=tender.db.UTCDateTime(), nullable=False)


def downgrade() -> None:
    # The note is all an older version shows of a draw: a draw recorded with a
    # method and no note keeps its method there.
    op.execute("UPDATE tie_draw SET note = method WHERE note = ''")
    with op.batch_alter_table("tie_draw") as batch_op:
        batch_op.drop_column("drawn_at")
        batch_op.drop_column("witnesses")
        batch_op.drop_column("drawn_by")
        batch_op.drop_column("method")
