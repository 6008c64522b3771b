"""conflict-of-interest declarations per named bidding organisation

One answer per bidding organisation ("geen band" / "band" with an explanation, when
it was declared, whether later, and whether the inkoper set it), replacing the list
of conflicting organisations; individual scores can be set aside (kept, with when
and why). Existing conflicts become "band" answers with a note that they were
declared before this version.

Revision ID: 0011_conflicts_per_bidder
Revises: 0010_consensus_reopen
Create Date: 2026-12-02 03:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tender.db

revision: str = "0011_conflicts_per_bidder"
down_revision: str | None = "0010_consensus_reopen"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIER = "(vóór deze versie opgegeven)"


def upgrade() -> None:
    op.create_table(
        "conflict_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("declared_at", tender.db.UTCDateTime(), nullable=False),
        sa.Column("declared_later", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["conflict_declaration.id"],
            name=op.f("fk_conflict_answer_declaration_id_conflict_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_conflict_answer_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_conflict_answer_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflict_answer")),
        sa.UniqueConstraint(
            "declaration_id",
            "organisation_id",
            name=op.f("uq_conflict_answer_declaration_id_organisation_id"),
        ),
    )
    op.execute(
        sa.text(
            "INSERT INTO conflict_answer (declaration_id, organisation_id, band, explanation, "
            "declared_at, declared_later) "
            "SELECT c.declaration_id, c.organisation_id, :band, :explanation, d.signed_at, :later "
            "FROM conflict_organisation c "
            "JOIN conflict_declaration d ON d.id = c.declaration_id"
        ).bindparams(band=True, explanation=EARLIER, later=False)
    )
    op.drop_table("conflict_organisation")
    with op.batch_alter_table("score") as batch_op:
        batch_op.add_column(sa.Column("set_aside_at", tender.db.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("set_aside_reason", sa.Text(), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("score") as batch_op:
        batch_op.drop_column("set_aside_reason")
        batch_op.drop_column("set_aside_at")
    op.create_table(
        "conflict_organisation",
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["conflict_declaration.id"],
            name=op.f("fk_conflict_organisation_declaration_id_conflict_declaration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_conflict_organisation_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint(
            "declaration_id", "organisation_id", name=op.f("pk_conflict_organisation")
        ),
    )
    op.execute(
        "INSERT INTO conflict_organisation (declaration_id, organisation_id) "
        "SELECT DISTINCT declaration_id, organisation_id FROM conflict_answer WHERE band"
    )
    op.drop_table("conflict_answer")
