"""The fleet monitor's overview: each terminal's state, reasons and latest figures.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the overview table the monitor rewrites every few seconds."""
    op.create_table(
        "fleet_status",
        sa.Column("terminal", sa.String(12), primary_key=True),
        sa.Column("hall", sa.String(), nullable=False, server_default=""),
        sa.Column("site", sa.String(16), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reasons", sa.String(), nullable=False),
        sa.Column("last_heartbeat", sa.String(), nullable=True),
        sa.Column("backlog", sa.Integer(), nullable=True),
        sa.Column("oldest_unsynced_s", sa.Float(), nullable=True),
        sa.Column("changed_at", sa.String(), nullable=False),
        sa.Column("written_at", sa.String(), nullable=False),
    )


def downgrade() -> None:
    """Drop the overview."""
    op.drop_table("fleet_status")
