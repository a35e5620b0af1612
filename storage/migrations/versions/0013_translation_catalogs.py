"""Translation catalogs accepted through the web console, served by every process.

``translation_catalogs``: one row per accepted PO upload (the file's text, its SHA-256, when
and by which actor, and who reviewed it, if anyone did); a language's newest row is served
over the shipped catalog. Running processes poll the highest id to pick up an upload
without a restart.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "translation_catalogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=128), nullable=False),
        sa.Column("reviewed_by", sa.String(length=128), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_translation_catalogs")))
    op.create_index(op.f("ix_translation_catalogs_language"), "translation_catalogs",
                    ["language"])


def downgrade() -> None:
    """Back to 0012: catalogs accepted through the console are dropped; the shipped PO
    files are served again."""
    op.drop_index(op.f("ix_translation_catalogs_language"), table_name="translation_catalogs")
    op.drop_table("translation_catalogs")
