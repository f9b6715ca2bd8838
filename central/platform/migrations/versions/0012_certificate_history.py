"""Certificate history (replaced certificates still verify what was sealed before a rotation); re-enrollment tokens.

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
    op.add_column("enrollment_tokens", sa.Column("terminal", sa.String(12), nullable=True))


def downgrade() -> None:
    """Drop the table and the column."""
    with op.batch_alter_table("enrollment_tokens") as batch:
        batch.drop_column("terminal")
    op.drop_table("certificate_history")
