"""PostgreSQL's own search index: BM25 over tsvector plus pgvector HNSW (a no-op on SQLite)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

The tables are an index fed from `index_outbox` (see pam.search.postgres_index), not a source of
truth: they can be emptied and rebuilt from `segments` at any time.

- `search_segments`: one row per active segment, with the filter fields, the analyzed text and its
  token count (BM25's document length), and the embedding.
- `search_terms`: each lexeme's document frequency. BM25's IDF needs it and PostgreSQL keeps none
  (`ts_rank` has no IDF: 0.58 nDCG@10 on SciFact against BM25's 0.69).
- `search_state`: one row: the last outbox seq applied, the corpus size and total length (N and
  avgdl), and which analyzer built the rows. Locking it serialises appliers across processes.

Without pgvector the migration fails rather than leaving a schema that half works: the embedded index
(PAM_SEARCH_INDEX=embedded) needs no extension, but a database upgraded without these tables could
never switch to the PostgreSQL index without a manual repair.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# all-MiniLM-L6-v2, the shipped model. An HNSW index needs a fixed dimension; another embedder
# needs its own migration (PostgresIndex.start() refuses a mismatch with a clear error).
EMBEDDING_DIM = 384

NO_PGVECTOR = (
    "This PostgreSQL has no pgvector extension. Install pgvector (0.8 or newer, "
    "https://github.com/pgvector/pgvector) on the database server, or use a PostgreSQL image that "
    "includes it (e.g. pgvector/pgvector), then run `pam db upgrade` again. The search tables are "
    "created by this migration even if you run with PAM_SEARCH_INDEX=embedded."
)
NO_PRIVILEGE = (
    "pgvector is available but not enabled in this database, and this role may not enable it. "
    "Ask an administrator to run `CREATE EXTENSION vector;` in this database, then run "
    "`pam db upgrade` again."
)


def _ensure_pgvector() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).first():
        return  # already enabled (perhaps by an administrator): no privilege needed
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first():
        raise RuntimeError(NO_PGVECTOR)
    # A failed CREATE EXTENSION would abort the migration's transaction; a savepoint keeps the
    # message ours.
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
        except sa.exc.DBAPIError as exc:
            savepoint.rollback()
            raise RuntimeError(NO_PRIVILEGE) from exc


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # the embedded mode indexes beside the database (tantivy + an in-memory matrix)
    _ensure_pgvector()
    op.execute(
        f"""
        CREATE TABLE search_segments (
            segment_id uuid PRIMARY KEY,
            document_id uuid NOT NULL,
            project_id uuid NOT NULL,
            source_type text NOT NULL,
            source_id uuid NOT NULL,
            path text NOT NULL,
            tags text[] NOT NULL DEFAULT '{{}}',
            updated_at timestamptz NOT NULL,
            length integer NOT NULL,
            tsv tsvector NOT NULL,
            embedding vector({EMBEDDING_DIM})
        )
        """
    )
    # New, empty tables: plain CREATE INDEX locks nothing anyone is using.
    op.execute("CREATE INDEX ix_search_segments_tsv ON search_segments USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_segments_document ON search_segments (document_id)")
    op.execute("CREATE INDEX ix_search_segments_project ON search_segments (project_id)")
    op.execute(
        "CREATE INDEX ix_search_segments_embedding ON search_segments "
        "USING hnsw (embedding vector_cosine_ops)"
    )
    op.execute("CREATE TABLE search_terms (term text PRIMARY KEY, df integer NOT NULL)")
    op.execute(
        """
        CREATE TABLE search_state (
            id smallint PRIMARY KEY CHECK (id = 1),
            applied_seq bigint NOT NULL,
            segments bigint NOT NULL,
            total_length bigint NOT NULL,
            analyzer text NOT NULL
        )
        """
    )
    # analyzer '' never matches a real analyzer version: the first start() (re)builds from the outbox.
    op.execute("INSERT INTO search_state VALUES (1, 0, 0, 0, '')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other objects may use it, and dropping it needs more privilege.
    op.execute("DROP TABLE IF EXISTS search_state")
    op.execute("DROP TABLE IF EXISTS search_terms")
    op.execute("DROP TABLE IF EXISTS search_segments")
