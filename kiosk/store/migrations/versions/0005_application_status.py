"""Central's word on each application of this terminal, sent back after receipt (a state, a reason, what is owed).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the application_status table."""
    op.create_table(
        "application_status",
        sa.Column("application_id", sa.String(), sa.ForeignKey("applications.id"), primary_key=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("owed", sa.String(), nullable=False),
        sa.Column("changed_at", sa.String(), nullable=False),
        sa.Column("heard_at", sa.String(), nullable=False),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("application_status")
