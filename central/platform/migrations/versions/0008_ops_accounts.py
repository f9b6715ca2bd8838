"""Ops accounts for the dashboard: users with roles, their sessions, and the audit log of every action.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the users, sessions and audit tables."""
    op.create_table(
        "ops_users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("disabled_at", sa.String(), nullable=True),
    )
    op.create_table(
        "ops_sessions",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("expires_at", sa.String(), nullable=False),
    )
    op.create_index("ix_ops_sessions_user", "ops_sessions", ["user"])
    op.create_table(
        "ops_audit",
        sa.Column("n", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_ops_audit_at", "ops_audit", ["at"])


def downgrade() -> None:
    """Drop the tables."""
    op.drop_index("ix_ops_audit_at", "ops_audit")
    op.drop_table("ops_audit")
    op.drop_index("ix_ops_sessions_user", "ops_sessions")
    op.drop_table("ops_sessions")
    op.drop_table("ops_users")
