"""sanitised copies of attachments for the committee, held back or released

Revision ID: 0009_sanitised_attachments
Revises: 0008_audit_anchor
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0009_sanitised_attachments"
down_revision: str | None = "0008_audit_anchor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sanitised_name", sa.String(length=64), nullable=True),
        sa.Column("sanitised_sha256", sa.String(length=64), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("redacted_name", sa.String(length=64), nullable=True),
        sa.Column("redacted_sha256", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", tender.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", tender.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('schoon', 'achtergehouden', 'vrijgegeven', 'geweigerd')",
            name=op.f("ck_attachment_copy_status_known"),
        ),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"], name=op.f("fk_attachment_copy_bid_id_bid")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_attachment_copy_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment_copy")),
        sa.UniqueConstraint(
            "bid_id", "source_sha256", name=op.f("uq_attachment_copy_bid_id_source_sha256")
        ),
        sa.UniqueConstraint("redacted_name", name=op.f("uq_attachment_copy_redacted_name")),
        sa.UniqueConstraint("sanitised_name", name=op.f("uq_attachment_copy_sanitised_name")),
    )


def downgrade() -> None:
    op.drop_table("attachment_copy")
