"""PostgreSQL keeps a message row (envelope and its bundle proof, ~4 KB) in its page instead of TOAST.

At the default toast_tuple_target (2 KB) every stored application went out of line: a second
table's insert per message, the drain's largest cost on PostgreSQL. SQLite has no TOAST: nothing
to do there.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Raise the table's toast_tuple_target to a page's usable size (PostgreSQL only)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages SET (toast_tuple_target = 8160)")


def downgrade() -> None:
    """Back to PostgreSQL's default."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE messages RESET (toast_tuple_target)")
