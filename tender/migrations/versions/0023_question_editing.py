"""questions edited, merged and ordered before publication (issue 14 item 4)

The wording a provider sent is kept in ``asked_text``; ``text`` becomes the wording
that is published. A question may be the inkoper's own (no organisation), merged
into another, and carries its order and, once published, its number in the nota.

Revision ID: 0023_question_editing
Revises: 0022_schedule_changes
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_question_editing"
down_revision: str | None = "0022_schedule_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question") as batch_op:
        batch_op.add_column(sa.Column("asked_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_number", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_question_merged_into_id_question"),
            "question",
            ["merged_into_id"],
            ["id"],
        )
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=True)
    # Every question so far was published as asked.
    op.execute("UPDATE question SET asked_text = text")
    # Rounds published before this change were numbered in asking order: keep that.
    op.execute(
        "UPDATE question SET published_number = ("
        " SELECT COUNT(*) FROM question AS earlier"
        " WHERE earlier.qa_round_id = question.qa_round_id AND earlier.id <= question.id"
        ") WHERE qa_round_id IS NOT NULL"
    )
    with op.batch_alter_table("question") as batch_op:
        batch_op.alter_column("asked_text", existing_type=sa.Text(), nullable=False)


def downgrade() -> None:
    # Own questions have no organisation and cannot go back into the old schema;
    # refuse rather than lose them.
    own = op.get_bind().scalar(
        sa.text("SELECT COUNT(*) FROM question WHERE organisation_id IS NULL")
    )
    if own:
        raise RuntimeError(
            f"{own} eigen vragen van de inkoper passen niet in het oude schema; "
            "downgrade geweigerd."
        )
    with op.batch_alter_table("question") as batch_op:
        batch_op.alter_column("organisation_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_question_merged_into_id_question"), type_="foreignkey"
        )
        batch_op.drop_column("published_number")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("position")
        batch_op.drop_column("asked_text")
