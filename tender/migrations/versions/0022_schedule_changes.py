"""schedule changes as their own action (issue 14 item 3)

A published tender's question deadline, submission deadline and planned opening
are moved with a reason, published as a nota van inlichtingen; one row per change.

Revision ID: 0022_schedule_changes
Revises: 0021_organisations
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0022_schedule_changes"
down_revision: str | None = "0021_organisations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = tender.db.UTCDateTime
    op.create_table(
        "schedule_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("qa_round_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("changed_at", moment(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("old_question_deadline", moment(), nullable=False),
        sa.Column("new_question_deadline", moment(), nullable=False),
        sa.Column("old_submission_deadline", moment(), nullable=False),
        sa.Column("new_submission_deadline", moment(), nullable=False),
        sa.Column("old_planned_opening", moment(), nullable=False),
        sa.Column("new_planned_opening", moment(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["user_account.id"],
            name=op.f("fk_schedule_change_changed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["qa_round_id"], ["qa_round.id"], name=op.f("fk_schedule_change_qa_round_id_qa_round")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tender.id"], name=op.f("fk_schedule_change_tender_id_tender")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_change")),
        sa.UniqueConstraint("qa_round_id", name=op.f("uq_schedule_change_qa_round_id")),
        sa.UniqueConstraint(
            "tender_id", "number", name=op.f("uq_schedule_change_tender_id_number")
        ),
    )


def downgrade() -> None:
    op.drop_table("schedule_change")
