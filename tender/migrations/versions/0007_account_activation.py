"""accounts: activation links, one-time passwords, confirmed inkoper role

Revision ID: 0007_account_activation
Revises: 0006_tie_draw
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0007_account_activation"
down_revision: str | None = "0006_tie_draw"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ROLES = "'inkoper', 'beoordelaar', 'aanbieder', 'adviesraad', 'beheerder'"


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=True)
    op.create_table(
        "account_activation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("used_at", tender.db.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", tender.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_account_activation_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_account_activation_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_activation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_activation_token_hash")),
    )
    op.create_index(
        op.f("ix_account_activation_user_id"), "account_activation", ["user_id"], unique=False
    )
    op.create_table(
        "role_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", tender.db.UTCDateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.CheckConstraint(f"role IN ({ROLES})", name=op.f("ck_role_request_role_known")),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('bevestigd', 'afgewezen', 'ingetrokken')",
            name=op.f("ck_role_request_outcome_known"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome != 'bevestigd' OR (decided_by_id IS NOT NULL "
            "AND decided_by_id != user_id "
            "AND (requested_by_id IS NULL OR decided_by_id != requested_by_id))",
            name=op.f("ck_role_request_confirmed_by_another"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_role_request_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_role_request_requested_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_role_request_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_request")),
    )
    op.create_index(op.f("ix_role_request_user_id"), "role_request", ["user_id"], unique=False)
    op.create_index(
        "uq_role_request_open",
        "role_request",
        ["user_id"],
        unique=True,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_role_request_open", table_name="role_request")
    op.drop_index(op.f("ix_role_request_user_id"), table_name="role_request")
    op.drop_table("role_request")
    op.drop_index(op.f("ix_account_activation_user_id"), table_name="account_activation")
    op.drop_table("account_activation")
    # Accounts without a role cannot survive the old schema.
    op.execute("DELETE FROM user_account WHERE role IS NULL")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("must_change_password")
