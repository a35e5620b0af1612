"""Published flow revisions live in the database; conversations name their revision.

Until now the flows ran from the files read at start, and revisions lived in memory only, so
a restart after an edit stranded every conversation on an older revision. Publications and
revisions are stored here (the first start after this migration publishes the configured
files), and each conversation's flow id and revision are kept in plain columns beside its
encrypted state. Conversations saved before have NULL there until their next step.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flow_publications",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("current", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_flow_publications")))
    op.create_table(
        "flow_revisions",
        sa.Column("flow_id", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("publication", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(["publication"], ["flow_publications.number"],
                                name=op.f("fk_flow_revisions_publication_flow_publications")),
        sa.PrimaryKeyConstraint("flow_id", "revision", name=op.f("pk_flow_revisions")))
    op.create_index(op.f("ix_flow_revisions_publication"), "flow_revisions", ["publication"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("flow_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Back to 0009: the published revisions are dropped (the older code runs the files
    it is configured with) and conversations lose their plain flow id and revision."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("revision")
        batch.drop_column("flow_id")
    op.drop_index(op.f("ix_flow_revisions_publication"), table_name="flow_revisions")
    op.drop_table("flow_revisions")
    op.drop_table("flow_publications")
