"""the published nota van inlichtingen (PDF) of a Q&A round

Revision ID: 0002_qa_round_document
Revises: 0001_initial
Create Date: 2026-11-27 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_qa_round_document"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key to an existing table in place.
    with op.batch_alter_table("qa_round") as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_qa_round_document_id_document", "document", ["document_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("qa_round") as batch_op:
        batch_op.drop_constraint("fk_qa_round_document_id_document", type_="foreignkey")
        batch_op.drop_column("document_id")
