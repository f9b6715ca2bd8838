"""Retired terminals: a decommissioned terminal stays in the registry, retired (and revoked), out of the alerting.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add when and why a terminal was retired (NULL: in the fleet)."""
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("retired_at", sa.String(), nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.String(), nullable=True))


def downgrade() -> None:
    """Remove the retirement columns."""
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("retired_reason")
        batch.drop_column("retired_at")
