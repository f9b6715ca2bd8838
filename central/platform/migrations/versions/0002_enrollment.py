"""Enrollment: one-time tokens (stored hashed) and the terminal's site type and location.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the token table and the registry's enrollment columns."""
    op.create_table(
        "enrollment_tokens",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("hall", sa.String(), nullable=False),
        sa.Column("site", sa.String(16), nullable=False),
        sa.Column("prefix", sa.String(4), nullable=False),
        sa.Column("location", sa.String(), nullable=False, server_default=""),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
        sa.Column("used_at", sa.String(), nullable=True),
        sa.Column("used_by", sa.String(12), nullable=True),
    )
    with op.batch_alter_table("terminals") as batch:
        batch.add_column(sa.Column("site", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("location", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    """Remove what this revision added."""
    with op.batch_alter_table("terminals") as batch:
        batch.drop_column("location")
        batch.drop_column("site")
    op.drop_table("enrollment_tokens")
