"""index segments.content_hash (embedding reuse), built without locking the table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from pam.store.migrations.online_index import create_index_online, drop_index_online

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_online("ix_segments_content_hash", "segments", ["content_hash"])


def downgrade() -> None:
    drop_index_online("ix_segments_content_hash", "segments")
