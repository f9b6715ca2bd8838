"""进度查询 by ID card: each application's holder as a blind index (an HMAC under central's key), indexed.

Applications stored before this revision have none until `central apps index-holders` fills it in.

Revision ID: 0025
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the holder column and its index."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("holder", sa.String(64), nullable=True))
    op.create_index("ix_messages_holder", "messages", ["holder"])


def downgrade() -> None:
    """Remove them."""
    op.drop_index("ix_messages_holder", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("holder")
