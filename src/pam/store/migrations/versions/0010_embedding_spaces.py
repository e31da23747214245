"""embedding models: which one is active, the next one's vectors, and the dimension beside every vector

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

- `segments.embedding_dim`: recorded with every vector (with `embedding_model`), filled in from the
  stored bytes.
- `embedding_spaces`: one row per embedding model; one is `active`. `segment_vectors` holds a
  `building` model's vectors until every segment has one, so the old vectors keep serving meanwhile.
- PostgreSQL index: `search_segments.embedding` becomes a plain `vector` (any dimension) with the
  model and dimension in their own columns, and HNSW indexes per dimension on `embedding::vector(d)`
  (pgvector's way of indexing several dimensions in one column); the first one, for 384, is made
  here. The index is emptied and rebuilt from the outbox at the next start (it is derived data).

In place on SQLite: columns and tables are added, nothing is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("segments", sa.Column("embedding_dim", sa.Integer(), nullable=True))
    length = "octet_length" if op.get_bind().dialect.name == "postgresql" else "length"
    op.execute(f"UPDATE segments SET embedding_dim = {length}(embedding) / 4 WHERE embedding IS NOT NULL")
    json_type = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    op.create_table(
        "embedding_spaces",
        sa.Column("model", sa.String(100), primary_key=True),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spec", json_type, nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "segment_vectors",
        sa.Column(
            "segment_id", sa.Uuid(), sa.ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "model",
            sa.String(100),
            sa.ForeignKey("embedding_spaces.model", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_search_segments_embedding")
    op.execute("TRUNCATE search_segments, search_terms")
    op.execute("ALTER TABLE search_segments ALTER COLUMN embedding TYPE vector")
    op.execute("ALTER TABLE search_segments ADD COLUMN embedding_model text")
    op.execute("ALTER TABLE search_segments ADD COLUMN embedding_dim integer")
    op.execute(
        "CREATE INDEX ix_search_segments_embedding_384 ON search_segments "
        "USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE embedding_dim = 384"
    )
    op.execute("ALTER TABLE search_state ADD COLUMN vector_model text NOT NULL DEFAULT ''")
    # '' never matches an analyzer: the next start rebuilds the (now empty) index from the outbox.
    op.execute("UPDATE search_state SET applied_seq = 0, segments = 0, total_length = 0, analyzer = ''")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_segments_embedding_384")
        op.execute("TRUNCATE search_segments, search_terms")
        op.execute("ALTER TABLE search_state DROP COLUMN vector_model")
        op.execute("ALTER TABLE search_segments DROP COLUMN embedding_dim")
        op.execute("ALTER TABLE search_segments DROP COLUMN embedding_model")
        op.execute("ALTER TABLE search_segments ALTER COLUMN embedding TYPE vector(384)")
        op.execute(
            "CREATE INDEX ix_search_segments_embedding ON search_segments "
            "USING hnsw (embedding vector_cosine_ops)"
        )
        op.execute("UPDATE search_state SET applied_seq = 0, segments = 0, total_length = 0, analyzer = ''")
    op.drop_table("segment_vectors")
    op.drop_table("embedding_spaces")
    op.execute("ALTER TABLE segments DROP COLUMN embedding_dim")
