"""补齐 at any terminal: each supplement central took, with the materials and how they were supplied.

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the supplements table."""
    op.create_table(
        "supplements",
        sa.Column("message", sa.String(64), primary_key=True),
        sa.Column("application", sa.String(64), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("materials", sa.String(), nullable=False),
    )
    op.create_index("ix_supplements_application", "supplements", ["application"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_supplements_application", table_name="supplements")
    op.drop_table("supplements")
