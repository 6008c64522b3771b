"""the job queue's schema (slot; filled by the job-queue work)

Revision ID: 0026_job_queue
Revises: 0025_performance_indexes
Create Date: 2026-12-03 10:55:00
"""

from collections.abc import Sequence

revision: str = "0026_job_queue"
down_revision: str | None = "0025_performance_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
