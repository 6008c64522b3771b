"""organisations, members and KvK checks (issue 14 items 1-2)

Members of a provider organisation: its beheerder and who may submit; join requests
for a known KvK number; the KvK verifier's verdict per organisation. Every existing
provider account is the only member of its organisation, so it becomes its beheerder.

Revision ID: 0021_organisations
Revises: 0020_refused_hits
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0021_organisations"
down_revision: str | None = "0020_refused_hits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.add_column(
            sa.Column(
                "kvk_status",
                sa.String(length=20),
                server_default="niet gecontroleerd",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("kvk_note", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("kvk_checked_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_organisation_kvk_status_known"),
            "kvk_status IN ('niet gecontroleerd', 'geverifieerd', 'niet geverifieerd')",
        )
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(
            sa.Column("organisation_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("may_submit", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_user_account_member_rights_need_organisation"),
            "organisation_id IS NOT NULL OR (NOT organisation_admin AND NOT may_submit)",
        )
    op.execute(
        sa.text(
            "UPDATE user_account SET organisation_admin = :yes WHERE organisation_id IS NOT NULL"
        ).bindparams(yes=True)
    )
    op.create_table(
        "join_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("requested_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("decided_at", tender.db.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('geaccepteerd', 'geweigerd')",
            name=op.f("ck_join_request_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_join_request_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_join_request_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_join_request_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_request")),
    )
    op.create_index(
        op.f("ix_join_request_organisation_id"), "join_request", ["organisation_id"], unique=False
    )
    op.create_index(
        "uq_join_request_open",
        "join_request",
        ["organisation_id", "email"],
        unique=True,
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_join_request_open",
        table_name="join_request",
        sqlite_where=sa.text("outcome IS NULL"),
        postgresql_where=sa.text("outcome IS NULL"),
    )
    op.drop_index(op.f("ix_join_request_organisation_id"), table_name="join_request")
    op.drop_table("join_request")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_constraint(
            op.f("ck_user_account_member_rights_need_organisation"), type_="check"
        )
        batch_op.drop_column("may_submit")
        batch_op.drop_column("organisation_admin")
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.drop_constraint(op.f("ck_organisation_kvk_status_known"), type_="check")
        batch_op.drop_column("kvk_checked_at")
        batch_op.drop_column("kvk_note")
        batch_op.drop_column("kvk_status")
