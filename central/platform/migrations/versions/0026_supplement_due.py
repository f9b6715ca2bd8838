"""补齐: the last day to hand in the materials owed, beside the application's state.

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the due column."""
    with op.batch_alter_table("application_status") as batch:
        batch.add_column(sa.Column("due", sa.String(10), nullable=True))


def downgrade() -> None:
    """Remove it."""
    with op.batch_alter_table("application_status") as batch:
        batch.drop_column("due")
