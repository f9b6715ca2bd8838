"""Inbox, ratings (好差评), device status snapshots and events.

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
    """Create the tables the sync agent, the rating screen and telemetry use."""
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String(), primary_key=True),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.String(), nullable=False),
        sa.Column("processed_at", sa.String(), nullable=True),
    )
    op.create_table(
        "ratings",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("application_id", sa.String(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("comment", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
        sa.Column("shredded_at", sa.String(), nullable=True),
    )
    op.create_table(
        "device_status",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("device", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("snapshot", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
    )
