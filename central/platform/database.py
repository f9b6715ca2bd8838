"""Central's database engine: SQLite (embedded, the default) or PostgreSQL (production), same code.

The schema is migrated with Alembic only when asked (`central db upgrade`, or a serving command
starting). Several processes may migrate at once: PostgreSQL serializes them with an advisory lock,
SQLite with a lock file beside the database. `backup` copies a live SQLite database consistently.
"""

from __future__ import annotations

import fcntl
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 7_310_001  # any constant shared by every central process
VERSION_TABLE = "central_alembic_version"  # as migrations/env.py names it


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
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _config() -> AlembicConfig:
    """Return the Alembic configuration of central's migrations."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """Return the newest schema revision this release knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise RuntimeError("central's migrations have no head revision")
    return head


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def make_engine(url: str, *, upgrade: bool = True) -> Engine:
    """Return an engine for ``url``, its schema migrated to the newest revision when ``upgrade``."""
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if upgrade:
        migrate(engine)
    return engine


def backup_sqlite(source: Path, dest: Path) -> int:
    """Copy the SQLite database ``source`` to ``dest`` with SQLite's online backup; return its page count.

    The copy is consistent even while services write: the backup API restarts on concurrent writes
    and ``dest`` is written under a temporary name, then renamed, so it is never half a database.
    """
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(partial)
        try:
            src.backup(out, pages=1024)
            pages = int(out.execute("PRAGMA page_count").fetchone()[0])
            out.execute("PRAGMA journal_mode=DELETE")
        finally:
            out.close()
    finally:
        src.close()
    partial.replace(dest)
    return pages
