"""补齐 at any terminal: the supplements this terminal queued for central (the body sealed, what was supplied in clear).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the supplements table."""
    op.create_table(
        "supplements",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("offering_code", sa.String(), nullable=False),
        sa.Column("materials", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
        sa.Column("shredded_at", sa.String(), nullable=True),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("supplements")
