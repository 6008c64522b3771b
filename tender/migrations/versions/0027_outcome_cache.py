"""the stored outcome of a tender, one row per tender (tender.award.outcome_cache)

Revision ID: 0027_outcome_cache
Revises: 0026_job_queue
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_outcome_cache"
down_revision: str | None = "0026_job_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_cache",
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cached_version", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tender_id"],
            ["tender.id"],
            name=op.f("fk_outcome_cache_tender_id_tender"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tender_id", name=op.f("pk_outcome_cache")),
    )
    # Every existing tender gets its row: a change is only counted on a row that exists.
    op.execute("INSERT INTO outcome_cache (tender_id, version) SELECT id, 0 FROM tender")


def downgrade() -> None:
    op.drop_table("outcome_cache")
