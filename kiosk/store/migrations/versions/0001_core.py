"""Core tables: applications, their receipts and data keys, the outbox, counters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the core tables."""
    op.create_table("meta", sa.Column("key", sa.String(), primary_key=True),
                    sa.Column("value", sa.String(), nullable=False))
    op.create_table("counters", sa.Column("name", sa.String(), primary_key=True),
                    sa.Column("value", sa.Integer(), nullable=False))
    op.create_table("daily_numbers", sa.Column("day", sa.String(), primary_key=True),
                    sa.Column("last_seq", sa.Integer(), nullable=False))
    op.create_table(
        "data_keys",
        sa.Column("record_id", sa.String(), primary_key=True),
        sa.Column("kek_id", sa.String(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("number", sa.String(), nullable=False, unique=True),
        sa.Column("offering_code", sa.String(), nullable=False),
        sa.Column("offering_kind", sa.String(), nullable=False),
        sa.Column("catalog_version", sa.String(), nullable=False),
        sa.Column("catalog_hash", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("shredded_at", sa.String(), nullable=True),
    )
    op.create_table(
        "receipts",
        sa.Column("application_id", sa.String(), sa.ForeignKey("applications.id"), primary_key=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("printed", sa.Integer(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.String(), nullable=False, unique=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.String(), nullable=True),
        sa.Column("acked_at", sa.String(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("boot_id", sa.String(), nullable=False),
    )
    op.create_index("ix_outbox_status_seq", "outbox", ["status", "seq"])
