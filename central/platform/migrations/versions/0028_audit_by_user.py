"""The audit log by user and time: a terminal's technician lines (technician@<terminal>) and one operator's, at once.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_ops_audit_user_at", "ops_audit", ["user", "at"])


def downgrade() -> None:
    """Remove it."""
    op.drop_index("ix_ops_audit_user_at", table_name="ops_audit")
