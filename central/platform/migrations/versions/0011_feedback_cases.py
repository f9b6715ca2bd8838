"""差评 follow-up: a case per bad rating with its deadline in working days, and each 回访.

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
    """Create the cases and follow-ups tables."""
    op.create_table(
        "feedback_cases",
        sa.Column("rating", sa.String(64), primary_key=True),
        sa.Column("terminal", sa.String(12), nullable=False),
        sa.Column("hall", sa.String(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("application", sa.String(64), nullable=True),
        sa.Column("received_at", sa.String(), nullable=False),
        sa.Column("due", sa.String(10), nullable=False),
        sa.Column("closed_at", sa.String(), nullable=True),
    )
    op.create_index("ix_feedback_cases_open", "feedback_cases", ["closed_at", "due"])
    op.create_table(
        "feedback_followups",
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rating", sa.String(64), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("how", sa.String(8), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
    )
    op.create_index("ix_feedback_followups_rating", "feedback_followups", ["rating", "n"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_feedback_followups_rating", "feedback_followups")
    op.drop_table("feedback_followups")
    op.drop_index("ix_feedback_cases_open", "feedback_cases")
    op.drop_table("feedback_cases")
