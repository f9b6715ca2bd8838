"""Certificate history: a terminal's replaced certificates, kept to verify what it sealed before a rotation.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the certificate history table."""
    op.create_table(
        "certificate_history",
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("serial", sa.String(40), nullable=False),
        sa.Column("certificate", sa.String(), nullable=False),
        sa.Column("replaced_at", sa.String(), nullable=False),
        sa.Column("not_after", sa.String(), nullable=False),
    )
    op.create_index("ix_certificate_history_terminal", "certificate_history", ["terminal"])


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("certificate_history")
