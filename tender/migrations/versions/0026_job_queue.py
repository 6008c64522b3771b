"""the job queue's schema: none needed (slot kept)

The job queue is RQ on Redis (tender.jobqueue): its state lives in Redis, and the
jobs' progress in the existing document_job table, so this revision changes nothing.

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
