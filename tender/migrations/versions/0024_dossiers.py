"""dossiers: the made evaluation dossiers (issue 15 item 2)

One row per made ZIP (the complete file or a bidder's inzage), stored in the
instance documents folder with its SHA-256, and the audit event it describes.

Revision ID: 0024_dossiers
Revises: 0023_question_editing
Create Date: 2026-12-03 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0024_dossiers"
down_revision: str | None = "0023_question_editing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = tender.db.UTCDateTime
    op.create_table(
        "dossier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tender_id", sa.Integer(), nullable=False),
        sa.Column("bid_id", sa.Integer(), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("as_of", moment(), nullable=False),
        sa.Column("interim", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("made_at", moment(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["bid_id"], ["bid.id"], name=op.f("fk_dossier_bid_id_bid")),
        sa.ForeignKeyConstraint(
            ["made_by_id"], ["user_account.id"], name=op.f("fk_dossier_made_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["tender.id"], name=op.f("fk_dossier_tender_id_tender")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_dossier_stored_name")),
    )
    op.create_index(
        "uq_dossier_bid_moment",
        "dossier",
        ["tender_id", "bid_id", "audit_seq"],
        unique=True,
        sqlite_where=sa.text("bid_id IS NOT NULL"),
        postgresql_where=sa.text("bid_id IS NOT NULL"),
    )
    op.create_index(
        "uq_dossier_full_moment",
        "dossier",
        ["tender_id", "audit_seq"],
        unique=True,
        sqlite_where=sa.text("bid_id IS NULL"),
        postgresql_where=sa.text("bid_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_dossier_full_moment", table_name="dossier")
    op.drop_index("uq_dossier_bid_moment", table_name="dossier")
    op.drop_table("dossier")
