"""Alembic migrations of the local store, applied automatically when the store opens."""
