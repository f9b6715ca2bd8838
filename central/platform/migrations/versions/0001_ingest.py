"""Central ingest: terminal registry, received messages (sealed as received), refusals.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the registry, the message store and the refusal count."""
    op.create_table(
        "terminals",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("certificate", sa.String(), nullable=False),
        sa.Column("hall", sa.String(), nullable=False, server_default=""),
        sa.Column("registered_at", sa.String(), nullable=False),
        sa.Column("first_seen", sa.String(), nullable=True),
        sa.Column("last_seen", sa.String(), nullable=True),
        sa.Column("revoked_at", sa.String(), nullable=True),
        sa.Column("revoked_reason", sa.String(), nullable=True),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created", sa.String(), nullable=False),
        sa.Column("received_at", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("catalog_version", sa.String(), nullable=True),
        sa.Column("application_id", sa.String(64), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("envelope", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_messages_terminal_seq", "messages", ["terminal", "seq"])
    op.create_index("ix_messages_kind_level", "messages", ["kind", "level"])
    op.create_table(
        "rejected",
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("terminal", sa.String(12), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_index("ix_rejected_terminal_seq", "rejected", ["terminal", "seq"])


def downgrade() -> None:
    """Drop everything this revision made."""
    op.drop_table("rejected")
    op.drop_table("messages")
    op.drop_table("terminals")
