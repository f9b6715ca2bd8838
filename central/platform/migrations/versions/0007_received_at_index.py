"""An index on when central stored each message: the fleet monitor's ingest rate reads recent ones.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index messages by receipt time."""
    op.create_index("ix_messages_received_at", "messages", ["received_at"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_messages_received_at", "messages")
