"""messages.grounded and messages.grounding: the grounding check's verdict on each stored answer

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Both columns are nullable and have no default, so adding them rewrites no rows and takes no long
lock on PostgreSQL; answers stored before this migration read as "not checked" (NULL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("grounded", sa.Boolean(), nullable=True))
    op.add_column(
        "messages",
        sa.Column("grounding", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("grounding")
        batch_op.drop_column("grounded")
