"""Fleet history for charts, help requests handled by staff, and when an alert was acknowledged.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the history and help-handled tables; add the acknowledgement time to alerts."""
    op.create_table(
        "fleet_history",
        sa.Column("terminal", sa.String(12), primary_key=True),
        sa.Column("resolution", sa.String(8), primary_key=True),
        sa.Column("period_start", sa.String(), primary_key=True),
        sa.Column("states", sa.String(), nullable=False),
        sa.Column("samples", sa.String(), nullable=False),
        sa.Column("available", sa.String(), nullable=False),
        sa.Column("backlog", sa.String(), nullable=False),
    )
    op.create_index("ix_fleet_history_period", "fleet_history", ["resolution", "period_start"])
    op.create_table(
        "help_handled",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("handled_at", sa.String(), nullable=False),
        sa.Column("handled_by", sa.String(), nullable=False),
    )
    with op.batch_alter_table("fleet_alerts") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.String(), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("fleet_alerts") as batch:
        batch.drop_column("acknowledged_at")
    op.drop_table("help_handled")
    op.drop_index("ix_fleet_history_period", "fleet_history")
    op.drop_table("fleet_history")
