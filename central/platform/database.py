"""Central's database engine: SQLite (embedded, the default) or PostgreSQL (production), same code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from central.platform.schema import metadata


def _sqlite_pragmas(dbapi_connection: Any, record: object) -> None:
    """WAL for readers beside the workers, a busy wait instead of errors, and commits that survive power loss."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=FULL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Return an engine for ``url`` with central's tables created."""
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    metadata.create_all(engine)
    return engine
