"""Alembic environment of central's database: migrations run on the connection `database.migrate` hands over."""

from __future__ import annotations

from alembic import context

from central.platform.database import VERSION_TABLE
from central.platform.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
