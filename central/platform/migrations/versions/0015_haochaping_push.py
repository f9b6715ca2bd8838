"""The provincial 好差评 push: a row per rating and per 回访, marked when the receiver confirmed it.

Revision ID: 0015
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create haochaping_sent."""
    op.create_table(
        "haochaping_sent",
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record", sa.String(140), nullable=False, unique=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("document", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.String(), nullable=True),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
    )
    op.create_index("ix_haochaping_sent_unsent", "haochaping_sent", ["sent_at", "n"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_haochaping_sent_unsent", "haochaping_sent")
    op.drop_table("haochaping_sent")
