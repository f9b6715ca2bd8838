"""Uplink protocol v2: each stored envelope keeps the proof of its bundle's one signature (NULL for v1 envelopes).

Revision ID: 0019
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the proof column."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("proof", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Remove it."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("proof")
