"""the framework contract's clause template frozen with the tender (issue 12)

A tender now keeps the text of the clause template its contracts are built from
(criteria/README.md, "Clausules van de raamovereenkomst"), where it came from and
its SHA-256, copied when the tender is created.

Existing tenders get NULL: they were created, and their concept contracts
published, before templates existed, so no template was ever frozen with them.
Writing today's default text onto them would record a freeze that never took
place. A NULL tender's contract follows the default template as shipped
(``tender.criteria.clauses.frozen_source``); the award decision freezes that text
into its snapshot, so from the decision on it no longer changes.

Revision ID: 0017_contract_clauses
Revises: 0016_award_strengths
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_contract_clauses"
down_revision: str | None = "0016_award_strengths"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tender") as batch_op:
        batch_op.add_column(sa.Column("contract_clauses_source", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("contract_clauses_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("contract_clauses_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tender") as batch_op:
        batch_op.drop_column("contract_clauses_text")
        batch_op.drop_column("contract_clauses_sha256")
        batch_op.drop_column("contract_clauses_source")
