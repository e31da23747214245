"""conversations.thread_key: continue a conversation whose history the client sends (OpenAI-style)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

`/v1/chat/completions` clients keep no server state: each request carries the whole conversation.
The key is a fingerprint of the conversation as it stood after our last answer, so the next
request (the same messages plus a new question) continues the stored conversation instead of
starting a copy. Added in place (a nullable column and an index built without locking the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pam.store.migrations.online_index import create_index_online, drop_index_online

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("thread_key", sa.String(64), nullable=True))
    create_index_online("ix_conversations_user_thread", "conversations", ["user_id", "thread_key"])


def downgrade() -> None:
    drop_index_online("ix_conversations_user_thread", "conversations")
    # Never a batch (table-rebuilding) drop on SQLite: rebuilding `conversations` would cascade to messages.
    op.execute("ALTER TABLE conversations DROP COLUMN thread_key")
