"""glossary: terms with definitions and aliases, and the names a query can match

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

New tables only (nothing existing is locked or rebuilt).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "glossary_terms",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("term_key", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "term_key", name="uq_glossary_terms_project_key"),
    )
    with op.batch_alter_table("glossary_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_glossary_terms_document_id"), ["document_id"], unique=False)
    op.create_table(
        "glossary_keys",
        sa.Column("term_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["term_id"], ["glossary_terms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term_id", "key"),
    )
    with op.batch_alter_table("glossary_keys", schema=None) as batch_op:
        batch_op.create_index("ix_glossary_keys_project_key", ["project_id", "key"], unique=False)


def downgrade() -> None:
    op.drop_table("glossary_keys")
    op.drop_table("glossary_terms")
