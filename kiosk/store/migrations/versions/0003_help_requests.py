"""Help requests (呼叫帮办): a citizen asked for staff; queued for central like applications.

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
    """Create the help request table (no personal data: the screen, the item, the session's application)."""
    op.create_table(
        "help_requests",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("screen", sa.String(), nullable=False),
        sa.Column("item", sa.String(), nullable=True),
        sa.Column("application_id", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
    )


def downgrade() -> None:
    """Drop the help request table."""
    op.drop_table("help_requests")
