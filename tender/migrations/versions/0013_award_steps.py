"""the award decision in four steps, versioned and revisable; resumable document jobs

An award decision is now one version among several for a tender: prepared as
advice, approved or sent back by a second inkoper, decided (date, body, mandate,
signatory), sent after a preview, and withdrawable; a withdrawn decision is
replaced by the next version. Letters, report and contracts belong to a version.
Document jobs record a heartbeat so that a job whose worker died can be resumed.

Existing decisions become version 1: "verzonden" when their letters went out,
otherwise "besloten", prepared and decided by the officer who took them. Their
documents are linked to them; where an interrupted job left two copies of a
document, the newest is linked and the older stays, unlinked.

Revision ID: 0013_award_steps
Revises: 0012_committee_member_removed
Create Date: 2026-12-02 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0013_award_steps"
down_revision: str | None = "0012_committee_member_removed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# decided_by_id has had its foreign key since 0001.
USERS = [
    "approved_by_id",
    "previewed_by_id",
    "withdrawn_by_id",
    "prepared_by_id",
]


def upgrade() -> None:
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.drop_constraint("uq_award_decision_tender_id", type_="unique")
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="besloten", nullable=False)
        )
        batch_op.add_column(sa.Column("prepared_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("prepared_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("returns", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("approved_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("deciding_body", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("mandate", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("signatory_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "signatory_function", sa.String(length=200), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("previewed_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("previewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("withdrawal_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.alter_column("decided_at", existing_type=tender.db.UTCDateTime(), nullable=True)
        batch_op.alter_column("decided_by_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            "uq_award_decision_tender_id_version", ["tender_id", "version"]
        )
        for column in USERS:
            batch_op.create_foreign_key(
                f"fk_award_decision_{column}_user_account", "user_account", [column], ["id"]
            )
        batch_op.create_foreign_key(
            "fk_award_decision_replaces_id_award_decision",
            "award_decision",
            ["replaces_id"],
            ["id"],
        )
    connection = op.get_bind()
    decisions = connection.execute(
        sa.text("SELECT id, decided_at, letters_sent_at FROM award_decision")
    ).all()
    for decision_id, decided_at, sent_at in decisions:
        decided = tender.db.UTCDateTime().process_result_value(decided_at, connection.dialect)
        connection.execute(
            sa.text(
                "UPDATE award_decision SET status = :status, prepared_at = decided_at, "
                "prepared_by_id = decided_by_id, decided_on = :decided_on, returns = :returns "
                "WHERE id = :id"
            ),
            {
                "status": "verzonden" if sent_at is not None else "besloten",
                "decided_on": decided.date() if decided is not None else None,
                "returns": "[]",
                "id": decision_id,
            },
        )
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.alter_column("prepared_at", existing_type=tender.db.UTCDateTime(), nullable=False)
        batch_op.alter_column("prepared_by_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("returns", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("document") as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_document_decision_id_award_decision", "award_decision", ["decision_id"], ["id"]
        )
    # The newest copy of each award document is the decision's; older copies (left by
    # an interrupted job) stay, unlinked.
    connection.execute(
        sa.text(
            "UPDATE document SET decision_id = (SELECT d.id FROM award_decision d "
            "WHERE d.tender_id = document.tender_id) "
            "WHERE kind IN ('award_letter', 'award_report', 'contract') "
            "AND id = (SELECT MAX(o.id) FROM document o WHERE o.tender_id = document.tender_id "
            "AND o.kind = document.kind AND (o.bid_id = document.bid_id "
            "OR (o.bid_id IS NULL AND document.bid_id IS NULL)))"
        )
    )
    op.create_index(
        "uq_document_decision_bid",
        "document",
        ["decision_id", "kind", "bid_id"],
        unique=True,
        sqlite_where=sa.text("decision_id IS NOT NULL AND bid_id IS NOT NULL"),
        postgresql_where=sa.text("decision_id IS NOT NULL AND bid_id IS NOT NULL"),
    )
    op.create_index(
        "uq_document_decision_kind",
        "document",
        ["decision_id", "kind"],
        unique=True,
        sqlite_where=sa.text("decision_id IS NOT NULL AND bid_id IS NULL"),
        postgresql_where=sa.text("decision_id IS NOT NULL AND bid_id IS NULL"),
    )

    with op.batch_alter_table("document_job") as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_document_job_decision_id_award_decision", "award_decision", ["decision_id"], ["id"]
        )
    connection.execute(
        sa.text(
            "UPDATE document_job SET decision_id = (SELECT d.id FROM award_decision d "
            "WHERE d.tender_id = document_job.tender_id)"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("document_job") as batch_op:
        batch_op.drop_constraint("fk_document_job_decision_id_award_decision", type_="foreignkey")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("decision_id")
    op.drop_index("uq_document_decision_kind", table_name="document")
    op.drop_index("uq_document_decision_bid", table_name="document")
    with op.batch_alter_table("document") as batch_op:
        batch_op.drop_constraint("fk_document_decision_id_award_decision", type_="foreignkey")
        batch_op.drop_column("decision_id")
    # Only the newest version of each tender's decision survives a downgrade.
    op.execute(
        "DELETE FROM award_decision WHERE version < (SELECT MAX(o.version) FROM award_decision o "
        "WHERE o.tender_id = award_decision.tender_id)"
    )
    op.execute(
        "UPDATE award_decision SET decided_at = prepared_at, decided_by_id = prepared_by_id "
        "WHERE decided_at IS NULL"
    )
    with op.batch_alter_table("award_decision") as batch_op:
        batch_op.alter_column("decided_at", existing_type=tender.db.UTCDateTime(), nullable=False)
        batch_op.alter_column("decided_by_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("fk_award_decision_replaces_id_award_decision", type_="foreignkey")
        for column in USERS:
            batch_op.drop_constraint(f"fk_award_decision_{column}_user_account", type_="foreignkey")
        batch_op.drop_constraint("uq_award_decision_tender_id_version", type_="unique")
        for column in (
            "replaces_id",
            "withdrawal_reason",
            "withdrawn_by_id",
            "withdrawn_at",
            "previewed_by_id",
            "previewed_at",
            "signatory_function",
            "signatory_name",
            "mandate",
            "deciding_body",
            "decided_on",
            "approved_by_id",
            "approved_at",
            "returns",
            "prepared_by_id",
            "prepared_at",
            "status",
            "version",
        ):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint("uq_award_decision_tender_id", ["tender_id"])
