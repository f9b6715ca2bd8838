"""进度查询 online: questions the kiosk hands the sync agent for central, and central's answers (sealed both ways).

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the questions table."""
    op.create_table(
        "questions",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("question", sa.LargeBinary(), nullable=False),
        sa.Column("asked_at", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("answer", sa.LargeBinary(), nullable=True),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("questions")
