"""Remote commands: rollouts (what ops asked, of which terminals, at what rate) and one command per terminal.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the rollouts and commands tables."""
    op.create_table(
        "fleet_rollouts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("args", sa.String(), nullable=False),
        sa.Column("urgent", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("rate_per_min", sa.Integer(), nullable=False),
        sa.Column("abort_pct", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
    )
    op.create_table(
        "fleet_commands",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("rollout", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(), nullable=False, server_default=""),
        sa.Column("data", sa.String(), nullable=True),
        sa.Column("payload", sa.LargeBinary(), nullable=True),
        sa.Column("released_at", sa.String(), nullable=True),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_index("ix_fleet_commands_rollout", "fleet_commands", ["rollout", "status"])
    op.create_index("ix_fleet_commands_terminal", "fleet_commands", ["terminal", "status"])
    op.create_index("ux_fleet_commands_terminal_seq", "fleet_commands", ["terminal", "seq"], unique=True)


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("fleet_commands")
    op.drop_table("fleet_rollouts")
