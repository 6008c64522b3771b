"""refused requests counted per address and hour instead of one audit event each (issue 13)

Revision ID: 0020_refused_hits
Revises: 0018_accounts_hardening
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0020_refused_hits"
down_revision: str | None = "0018_accounts_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refused_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_start", tender.db.UTCDateTime(), nullable=False),
        sa.Column("visitor", sa.String(length=40), nullable=False),
        sa.Column("first_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("last_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_hit")),
        sa.UniqueConstraint(
            "address",
            "window_start",
            "visitor",
            name=op.f("uq_refused_hit_address_window_start_visitor"),
        ),
    )
    op.create_index(op.f("ix_refused_hit_last_at"), "refused_hit", ["last_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refused_hit_last_at"), table_name="refused_hit")
    op.drop_table("refused_hit")
