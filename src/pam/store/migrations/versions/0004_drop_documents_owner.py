"""drop documents.owner: nothing ever set or read it

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlite3
from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place on both backends: PostgreSQL only edits its catalog, and SQLite >= 3.35 drops the column
    # without rebuilding the table. (A rebuild would DROP TABLE documents, and with foreign keys on
    # that cascades to every segment.) An older SQLite keeps the unused, nullable column.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return
    op.execute("ALTER TABLE documents DROP COLUMN owner")


def downgrade() -> None:
    op.execute("ALTER TABLE documents ADD COLUMN owner VARCHAR(320)")
