"""Recover applications from a quarantined (damaged) store file into the live store.

The file may be anything a technician was handed, so nothing in it is trusted: recovery reads a
private copy (its WAL folded in) read-only and immutable, with ``trusted_schema`` off, only if
applications and receipts are plain tables with the columns it reads, and within a
cap on rows, on the length of one value and on time.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store import database as db
from kiosk.store.crypto import DecryptionFailed, bind, open_sealed
from kiosk.store.store import SQL_APPLICATION, SQL_RECEIPT, Store

COLUMNS = (
    "id, number, offering_code, offering_kind, catalog_version, catalog_hash, state, created_at, boot_id, content"
)
TABLES = {  # what recovery reads: each must be a plain table with these columns
    "applications": [*COLUMNS.split(", "), "seq"],
    "receipts": ["application_id", "document"],
}
MAX_MISSES = 1000  # consecutive unreadable row ids after which a damaged table is taken as ended
MAX_ROWS = 100_000  # applications read from one file at most
MAX_VALUE_BYTES = 16 << 20  # one value read from the file at most
MAX_SECONDS = 900.0  # one recovery at most: SQLite's progress handler interrupts the reading after that
CHECK_EVERY = 1000  # SQLite virtual machine steps between two looks at the clock


class NotAStore(Exception):
    """The file does not hold the store's tables: recovery reads nothing from it."""


class TooManyRows(Exception):
    """The file holds more applications than one recovery reads."""


@dataclass
class RecoveryReport:
    """What recovery found, by outcome; problems name the row and the reason."""

    recovered: list[str] = field(default_factory=list)
    already_present: int = 0
    shredded: int = 0
    problems: list[str] = field(default_factory=list)


def _rows(conn: sqlite3.Connection) -> Iterator[tuple[object, ...]]:
    """Yield application rows, one by one past damaged pages where a full scan fails."""
    try:
        yield from conn.execute(f"SELECT {COLUMNS} FROM applications ORDER BY seq LIMIT ?",  # noqa: S608
                                (MAX_ROWS + 1,)).fetchall()
        return
    except sqlite3.DatabaseError as exc:
        if _interrupted(exc):
            raise
        failure = exc
    rowid, misses, found = 0, 0, False
    while misses < MAX_MISSES:
        rowid += 1
        try:
            row = conn.execute(f"SELECT {COLUMNS} FROM applications WHERE rowid = ?", (rowid,)).fetchone()  # noqa: S608
        except sqlite3.DatabaseError as exc:
            if _interrupted(exc):
                raise
            row = None
        if row is None:
            misses += 1
            continue
        misses, found = 0, True
        yield row
    if not found:
        raise failure


def _blob(conn: sqlite3.Connection, query: str, key: str) -> bytes | None:
    """Fetch one blob, or None where it is missing or unreadable."""
    try:
        row = conn.execute(query, (key,)).fetchone()
    except sqlite3.DatabaseError as exc:
        if _interrupted(exc):
            raise
        return None
    return None if row is None or row[0] is None else bytes(row[0])


def _interrupted(exc: sqlite3.DatabaseError) -> bool:
    """Return whether ``exc`` is the time cap interrupting the reading (not a damaged page)."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT


def _distrust(conn: sqlite3.Connection, deadline: float) -> None:
    """Run nothing the file's schema asks for, and bound one value's length and the time until ``deadline``."""
    conn.execute("PRAGMA trusted_schema = OFF")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), CHECK_EVERY)


def _require_tables(conn: sqlite3.Connection) -> None:
    """Raise NotAStore unless each of TABLES is a plain table holding the columns recovery reads."""
    for table, needed in TABLES.items():
        found = conn.execute("SELECT type, rootpage FROM sqlite_master WHERE name = ? COLLATE NOCASE",
                             (table,)).fetchall()
        if not found:
            raise NotAStore(f"it has no {table} table")
        kinds = {"virtual table" if kind == "table" and not root else kind for kind, root in found}
        if kinds != {"table"}:
            raise NotAStore(f"{table} is a {', '.join(sorted(kinds - {'table'}))}, not a table")
        columns = conn.execute("SELECT name, hidden FROM pragma_table_xinfo(?)", (table,)).fetchall()
        missing = [name for name in needed if name not in {column for column, _ in columns}]
        if missing:
            raise NotAStore(f"{table} lacks the columns {', '.join(missing)}")
        if any(hidden for _, hidden in columns):
            raise NotAStore(f"{table} has computed columns")


@contextmanager
def _opened(path: Path, scratch: Path, deadline: float) -> Iterator[sqlite3.Connection]:
    """Open a private copy of ``path`` in ``scratch`` read-only and immutable, its WAL folded in, distrusted."""
    with tempfile.TemporaryDirectory(prefix=".recover-", dir=scratch) as directory:
        copy = Path(directory) / "store.db"
        shutil.copyfile(path, copy)
        wal = path.with_name(f"{path.name}-wal")
        if wal.is_file():  # an immutable file is read without its WAL: fold the WAL into the copy first
            shutil.copyfile(wal, copy.with_name("store.db-wal"))
            with closing(sqlite3.connect(copy)) as folding:
                _distrust(folding, deadline)
                with suppress(sqlite3.DatabaseError):
                    folding.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        with closing(sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)) as conn:
            _distrust(conn, deadline)
            _require_tables(conn)
            yield conn


def candidates(path: Path, scratch: Path) -> Iterator[tuple[tuple[object, ...], bytes | None, bytes | None]]:
    """Yield (application row, wrapped key, receipt document) from a damaged file (copied into ``scratch``)."""
    with _opened(path, scratch, time.monotonic() + MAX_SECONDS) as conn:
        key_query = _key_query(conn)
        for n, row in enumerate(_rows(conn)):
            if n == MAX_ROWS:
                raise TooManyRows
            rid = str(row[0])
            wrapped = _blob(conn, key_query, rid)
            document = _blob(conn, "SELECT document FROM receipts WHERE application_id = ?", rid)
            yield row, wrapped, document


def _key_query(conn: sqlite3.Connection) -> str:
    """Return where the file keeps an application's wrapped key: its row since migration 0007, data_keys before."""
    columns = {name for (name,) in conn.execute("SELECT name FROM pragma_table_xinfo('applications')")}
    if "wrapped_key" in columns:
        return "SELECT wrapped_key FROM applications WHERE id = ?"
    return "SELECT wrapped FROM data_keys WHERE record_id = ?"


def recover_one(
    store: Store, row: tuple[object, ...], wrapped: bytes | None, document: bytes | None, report: RecoveryReport
) -> None:
    """Put one decryptable application back in the store and the outbox."""
    rid, number, content = str(row[0]), str(row[1]), row[9]
    if wrapped is None or not isinstance(content, bytes):
        report.shredded += 1
        return
    try:
        key = open_sealed(store.kek, wrapped, bind("data_keys", rid, "wrapped"))
        open_sealed(key, content, bind("applications", rid, "content"))
    except DecryptionFailed as exc:
        report.problems.append(f"{number}: cannot decrypt ({exc})")
        return
    with db.write(store.engine) as conn:
        if conn.exec_driver_sql("SELECT 1 FROM applications WHERE id = ?", (rid,)).first():
            report.already_present += 1
            return
        if conn.exec_driver_sql("SELECT 1 FROM applications WHERE number = ?", (number,)).first():
            report.problems.append(f"{number}: the number was issued again after the damage; left in the file")
            return
        seq, now = store._next_seq(conn), store.now()
        conn.exec_driver_sql(SQL_APPLICATION, (rid, seq, *row[1:9], content, store.kek_id, store.wrap(key, rid)))
        if document is not None:
            conn.exec_driver_sql(SQL_RECEIPT, (rid, document))
        store._enqueue(conn, seq, rid, "application", now)
    report.recovered.append(number)


Found = tuple[tuple[object, ...], bytes | None, bytes | None]


def recover(
    store: Store, path: Path, track: Callable[[Iterator[Found]], Iterator[Found]] = lambda rows: rows
) -> RecoveryReport:
    """Copy every application of ``path`` that still decrypts into ``store``'s outbox."""
    if not path.is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    report = RecoveryReport()
    try:
        for row, wrapped, document in track(candidates(path, store.path.parent)):
            recover_one(store, row, wrapped, document, report)
    except NotAStore as exc:
        report.problems.append(f"{path.name}: not a store file: {exc}; nothing was recovered")
    except TooManyRows:
        report.problems.append(f"{path.name}: more than {MAX_ROWS} applications; stopped after the first {MAX_ROWS}")
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"{path.name}: reading it took longer than {MAX_SECONDS:g} s; stopped"
                               if _interrupted(exc) else f"{path.name}: unreadable: {exc}")
    if not report.problems or report.recovered:
        store.record_event("store_recovered", "warning", {
            "file": path.name, "recovered": len(report.recovered), "problems": len(report.problems),
        })
    return report
