"""Remote commands from central: each kept with its signed bytes, its state and what was last reported.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the commands table (no personal data: a kind, bounded arguments, states)."""
    op.create_table(
        "commands",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("expires", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("received_at", sa.String(), nullable=False),
        sa.Column("done_at", sa.String(), nullable=True),
        sa.Column("reported", sa.String(), nullable=True),
    )
    op.create_index("ix_commands_status", "commands", ["status"])


def downgrade() -> None:
    """Drop the commands table."""
    op.drop_index("ix_commands_status", "commands")
    op.drop_table("commands")
