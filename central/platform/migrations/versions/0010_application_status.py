"""Applications' states after receipt (the back office's word) and every change, sent back to the terminal.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the status and change tables, and index the applications' receipt numbers."""
    op.create_table(
        "application_status",
        sa.Column("application", sa.String(64), primary_key=True),
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(), nullable=False, server_default=""),
        sa.Column("owed", sa.String(), nullable=False, server_default=""),
        sa.Column("changed_at", sa.String(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
    )
    op.create_index("ux_application_status_number", "application_status", ["number"], unique=True)
    op.create_table(
        "application_changes",
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("application", sa.String(64), nullable=False),
        sa.Column("event", sa.String(24), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(), nullable=False, server_default=""),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("command", sa.String(32), nullable=True),
    )
    op.create_index("ix_application_changes_application", "application_changes", ["application", "n"])
    op.create_index("ix_messages_number", "messages", ["number"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_messages_number", "messages")
    op.drop_index("ix_application_changes_application", "application_changes")
    op.drop_table("application_changes")
    op.drop_index("ux_application_status_number", "application_status")
    op.drop_table("application_status")
