"""Maintenance mode per terminal: ops take a terminal out of the alerting while it is serviced.

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
    """Add who put the terminal in maintenance and since when (NULL: in service)."""
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("maintenance_since", sa.String(), nullable=True))
        batch.add_column(sa.Column("maintenance_by", sa.String(), nullable=True))


def downgrade() -> None:
    """Remove the maintenance columns."""
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("maintenance_by")
        batch.drop_column("maintenance_since")
