"""Central's database engine: SQLite (embedded, the default) or PostgreSQL (production), same code.

The schema is migrated with Alembic: explicitly (`central db upgrade`) or when a service starts;
an ops command opens the database without migrating it and refuses one at another revision.
Several processes may start at once (ingest hosts): PostgreSQL serializes their migrations with
an advisory lock, SQLite with a lock file beside the database.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 7_310_001  # any constant shared by every central process
VERSION_TABLE = "central_alembic_version"  # central's own, so its schema may share a database


def _sqlite_pragmas(dbapi_connection: Any, record: object) -> None:
    """WAL for readers beside the workers, a busy wait instead of errors, and commits that survive power loss."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=FULL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """Hold a lock that only one migrating process of this database can have."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with Path(f"{database}.migrate-lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade central's schema to ``revision`` (a no-op when it is there already)."""
    with _exclusive(engine), engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        config = _alembic()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _alembic() -> AlembicConfig:
    """Return the Alembic configuration of central's migrations."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """Return the newest schema revision this release knows."""
    return str(ScriptDirectory.from_config(_alembic()).get_current_head())


def revision(engine: Engine) -> str | None:
    """Return the schema revision of the database (None: no schema yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def make_engine(url: str, *, upgrade: bool = True) -> Engine:
    """Return an engine for ``url``; with ``upgrade`` (services, tests) central's schema is migrated to the newest."""
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if upgrade:
        migrate(engine)
    return engine
