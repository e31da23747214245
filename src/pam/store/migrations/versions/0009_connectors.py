"""connectors: sources get schedules, pause, encrypted credentials and a cursor; documents a source
version; document_revisions keeps each document's change history at its source

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pam.store.migrations.online_index import create_index_online, drop_index_online

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Columns are added in place (no table rebuild: on SQLite a rebuild of `sources` would cascade
    # to every document). Nullable or with a server default, so existing rows stay valid.
    op.add_column("sources", sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("sources", sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("sources", sa.Column("credentials", sa.Text(), nullable=True))
    op.add_column("sources", sa.Column("sync_state", sa.Text(), nullable=True))
    op.add_column(
        "sources", sa.Column("created_by", sa.String(length=320), nullable=False, server_default="")
    )
    op.add_column("documents", sa.Column("source_version", sa.String(length=200), nullable=True))
    op.create_table(
        "document_revisions",
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "revision", name="uq_document_revisions_document_revision"),
    )
    op.create_index("ix_document_revisions_document_at", "document_revisions", ["document_id", "at"])
    op.create_index("ix_document_revisions_project_id", "document_revisions", ["project_id"])
    create_index_online("ix_sources_next_sync_at", "sources", ["next_sync_at"])


def downgrade() -> None:
    drop_index_online("ix_sources_next_sync_at", "sources")
    op.drop_table("document_revisions")
    for column in ("next_sync_at", "paused", "credentials", "sync_state", "created_by"):
        op.execute(f"ALTER TABLE sources DROP COLUMN {column}")
    op.execute("ALTER TABLE documents DROP COLUMN source_version")
