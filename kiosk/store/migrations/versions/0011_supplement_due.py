"""补齐: central's deadline for the materials owed, beside its word on the application.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the due column."""
    op.add_column("application_status", sa.Column("due", sa.String(), nullable=True))


def downgrade() -> None:
    """Remove it."""
    op.execute("ALTER TABLE application_status DROP COLUMN due")  # SQLite ≥ 3.35: no table rebuild
