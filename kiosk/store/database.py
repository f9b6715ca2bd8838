"""The SQLite database under the store: durable pragmas, migrations, quarantine, error mapping."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError

from kiosk.store.crashpoints import crashpoint
from kiosk.store.errors import StoreCorrupt, StoreError, StoreFull

if TYPE_CHECKING:  # Alembic costs ~100 ms to import: the start path imports it only when a migration is due
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
REVISION_LINE = re.compile(r'^(revision|down_revision) = "(\w+)"$', re.M)
BUSY_TIMEOUT_MS = 10_000  # the UI and the sync agent share the file
FULL_CODES = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR}
CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Set durability and privacy pragmas on every new connection."""
    dbapi_connection.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:  # switching to WAL needs a moment alone with a brand-new file; SQLite may not wait for it
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    for pragma in ("synchronous=FULL", "secure_delete=ON", "temp_store=MEMORY", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def make_engine(path: Path) -> Engine:
    """Create an engine for the store file at ``path`` with the store's pragmas.

    The file is created readable by the owner only; SQLite gives its WAL and shared-memory
    files the same permissions.
    """
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    engine = create_engine(f"sqlite:///{path}", poolclass=None)
    event.listen(engine, "connect", _pragmas)
    return engine


def driver(conn: Connection) -> sqlite3.Connection:
    """Return the sqlite3 connection under ``conn`` (hot paths skip SQLAlchemy's result handling)."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        raise TypeError("the store runs on the sqlite3 driver")
    return raw


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """Run a write transaction that takes the write lock at once (BEGIN IMMEDIATE)."""
    with translate(), engine.connect() as conn, immediate(driver(conn)):
        yield conn


@contextmanager
def immediate(raw: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Hold a BEGIN IMMEDIATE transaction on ``raw``: committed at the end, rolled back on any error."""
    raw.execute("BEGIN IMMEDIATE")
    try:
        yield raw
    except BaseException:
        if raw.in_transaction:  # SQLite may have rolled back already (disk full)
            raw.execute("ROLLBACK")
        raise
    try:
        raw.execute("COMMIT")
    except sqlite3.Error:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raise


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """Run reads in one consistent snapshot."""
    with translate(), engine.connect() as conn:
        conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            conn.exec_driver_sql("ROLLBACK")


@contextmanager
def translate() -> Iterator[None]:
    """Turn SQLite's disk-full and corruption errors into the store's typed errors."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        code = getattr(orig, "sqlite_errorcode", None)
        code = None if code is None else code & 0xFF  # extended codes carry the primary code in the low byte
        if code in FULL_CODES or "disk is full" in str(orig):
            raise StoreFull("the disk holding the store is full; applications are paused") from exc
        if code in CORRUPT_CODES:
            raise StoreCorrupt(f"the store database is damaged: {orig}") from exc
        raise
    except OSError as exc:
        if exc.errno == 28:  # ENOSPC
            raise StoreFull("the disk holding the store is full; applications are paused") from exc
        raise


def _alembic(conn: Connection) -> AlembicConfig:
    """Build an Alembic configuration that runs on ``conn``."""
    from alembic.config import Config as AlembicConfig  # noqa: PLC0415 - see TYPE_CHECKING above

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    """Return the newest migration revision."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - see TYPE_CHECKING above

    head = ScriptDirectory.from_config(_alembic_for_scripts()).get_current_head()
    if head is None:
        raise StoreError("no migrations found")
    return head


def newest_revision() -> str:
    """Return the head revision read from the migration files themselves (cheap: no Alembic import)."""
    revisions: dict[str, str | None] = {}
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions[found["revision"]] = found.get("down_revision")
    heads = set(revisions) - set(revisions.values())
    if len(heads) != 1:
        raise StoreError(f"the store's migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def _alembic_for_scripts() -> AlembicConfig:
    """Build an Alembic configuration for reading the migration scripts only."""
    from alembic.config import Config as AlembicConfig  # noqa: PLC0415 - see TYPE_CHECKING above

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None for an empty file); read without importing Alembic."""
    with translate(), engine.connect() as conn:
        if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").first():
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])


def migrate(engine: Engine, revision: str = "head", then: Callable[[Connection], None] | None = None) -> None:
    """Upgrade to ``revision`` and run ``then`` in one transaction: all of it or none."""
    from alembic import command  # noqa: PLC0415 - see TYPE_CHECKING above

    with translate(), engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(_alembic(conn), revision)  # Alembic joins the open transaction
        if then is not None:
            then(conn)
        crashpoint("mid_migration")
        conn.exec_driver_sql("COMMIT")


def integrity_problems(engine: Engine) -> list[str]:
    """Return what SQLite's quick check finds wrong (empty when healthy).

    Only real damage counts: a busy or locked database raises StoreError instead, so a file
    the other process is using is never mistaken for a broken one.
    """
    try:
        with translate(), engine.connect() as conn:
            rows = conn.execute(text("PRAGMA quick_check")).scalars().all()
    except StoreCorrupt as exc:
        return [str(exc)]
    except DBAPIError as exc:
        raise StoreError(f"cannot check the store: {exc.orig}") from exc
    return [] if rows == ["ok"] else [str(r) for r in rows]


def quarantine(path: Path) -> Path:
    """Move a damaged database and its WAL aside (never delete); return the new path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def checkpoint(engine: Engine, wait_ms: int = 200) -> bool:
    """Copy the WAL into the database and truncate it; False if a reader kept it from finishing.

    It waits at most ``wait_ms`` for readers, so it never holds up the other process's
    writes for long; the caller retries later.
    """
    with translate(), engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
        try:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return busy is not None and busy[0] == 0
