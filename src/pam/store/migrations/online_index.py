"""Index creation that never locks a populated table.

A plain `CREATE INDEX` holds a lock that blocks every write to the table for the whole build.
On PostgreSQL we build `CONCURRENTLY`, which cannot run inside a transaction, so the
migration's transaction is committed first (`autocommit_block`). `IF NOT EXISTS` makes a
re-run after an interrupted build harmless; an interrupted concurrent build leaves an
INVALID index behind, which we drop before building again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def create_index_online(name: str, table: str, columns: Sequence[str], *, unique: bool = False) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table(table) as batch:
            batch.create_index(name, list(columns), unique=unique)
        return
    with op.get_context().autocommit_block():
        invalid = bind.execute(
            sa.text(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :name AND NOT i.indisvalid"
            ),
            {"name": name},
        ).first()
        if invalid:
            op.execute(sa.text(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"'))
        op.create_index(
            name, table, list(columns), unique=unique, postgresql_concurrently=True, if_not_exists=True
        )


def drop_index_online(name: str, table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table(table) as batch:
            batch.drop_index(name)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
