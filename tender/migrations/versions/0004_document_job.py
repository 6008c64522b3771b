"""progress of documents generated in the background

Revision ID: 0004_document_job
Revises: 0003_bid_consensus_opened
Create Date: 2026-11-27 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0004_document_job"
down_revision: str | None = "0003_bid_consensus_opened"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", tender.db.UTCDateTime(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["user_account.id"],
            name=op.f("fk_document_job_started_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tender.id"], name=op.f("fk_document_job_tender_id_tender")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_job")),
    )


def downgrade() -> None:
    op.drop_table("document_job")
