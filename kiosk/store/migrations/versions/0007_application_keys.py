"""Each application's wrapped data key moves into its own row: one row written per submit, shredded by an update.

Revision ID: 0007
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the key columns, move the applications' keys into them, and drop those rows from data_keys."""
    op.add_column("applications", sa.Column("kek_id", sa.String(), nullable=True))
    op.add_column("applications", sa.Column("wrapped_key", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE applications SET (kek_id, wrapped_key) = "
        "(SELECT k.kek_id, k.wrapped FROM data_keys k WHERE k.record_id = applications.id)"
    )
    op.execute("DELETE FROM data_keys WHERE record_id IN (SELECT id FROM applications)")


def downgrade() -> None:
    """Move the applications' keys back into data_keys and drop the columns."""
    op.execute(
        "INSERT INTO data_keys (record_id, kek_id, wrapped, created_at) "
        "SELECT id, kek_id, wrapped_key, created_at FROM applications WHERE wrapped_key IS NOT NULL"
    )
    op.execute("ALTER TABLE applications DROP COLUMN wrapped_key")  # SQLite ≥ 3.35: no table rebuild
    op.execute("ALTER TABLE applications DROP COLUMN kek_id")
