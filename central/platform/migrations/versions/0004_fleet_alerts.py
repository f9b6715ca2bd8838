"""The fleet monitor's alerts: live ones and the recently resolved, as the monitor last wrote them.

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
    """Create the alert table."""
    op.create_table(
        "fleet_alerts",
        sa.Column("rule", sa.String(32), primary_key=True),
        sa.Column("terminal", sa.String(12), primary_key=True),
        sa.Column("opened_at", sa.String(), primary_key=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("acknowledged_by", sa.String(), nullable=True),
        sa.Column("resolved_at", sa.String(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
    )


def downgrade() -> None:
    """Drop the alert table."""
    op.drop_table("fleet_alerts")
