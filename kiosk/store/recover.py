"""Recover applications from a quarantined (damaged) store file into the live store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store import database as db
from kiosk.store.crypto import DecryptionFailed, bind, open_sealed, seal
from kiosk.store.store import SQL_APPLICATION, SQL_DATA_KEY, SQL_RECEIPT, Store

COLUMNS = (
    "id, number, offering_code, offering_kind, catalog_version, catalog_hash, state, created_at, boot_id, content"
)
MAX_MISSES = 1000  # consecutive unreadable row ids after which a damaged table is taken as ended


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
        yield from conn.execute(f"SELECT {COLUMNS} FROM applications ORDER BY seq").fetchall()  # noqa: S608
        return
    except sqlite3.DatabaseError as exc:
        failure = exc
    rowid, misses, found = 0, 0, False
    while misses < MAX_MISSES:
        rowid += 1
        try:
            row = conn.execute(f"SELECT {COLUMNS} FROM applications WHERE rowid = ?", (rowid,)).fetchone()  # noqa: S608
        except sqlite3.DatabaseError:
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
    with suppress(sqlite3.DatabaseError):
        row = conn.execute(query, (key,)).fetchone()
        return None if row is None else bytes(row[0]) if row[0] is not None else None
    return None


def candidates(path: Path) -> Iterator[tuple[tuple[object, ...], bytes | None, bytes | None]]:
    """Yield (application row, wrapped key, receipt document) from a damaged file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        for row in _rows(conn):
            rid = str(row[0])
            wrapped = _blob(conn, "SELECT wrapped FROM data_keys WHERE record_id = ?", rid)
            document = _blob(conn, "SELECT document FROM receipts WHERE application_id = ?", rid)
            yield row, wrapped, document


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
        conn.exec_driver_sql(SQL_DATA_KEY, (rid, store.kek_id, seal(store.kek, key, bind("data_keys", rid, "wrapped")),
                                            now))
        conn.exec_driver_sql(SQL_APPLICATION, (rid, seq, *row[1:9], content))
        if document is not None:
            conn.exec_driver_sql(SQL_RECEIPT, (rid, document))
        store._enqueue(conn, seq, rid, "application", now)
    report.recovered.append(number)


Found = tuple[tuple[object, ...], bytes | None, bytes | None]


def recover(
    store: Store, path: Path, track: Callable[[Iterator[Found]], Iterator[Found]] = lambda rows: rows
) -> RecoveryReport:
    """Copy every application of ``path`` that still decrypts into ``store``'s outbox."""
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    report = RecoveryReport()
    try:
        for row, wrapped, document in track(candidates(path)):
            recover_one(store, row, wrapped, document, report)
    except sqlite3.DatabaseError as exc:
        report.problems.append(f"{path.name}: unreadable: {exc}")
    if not report.problems or report.recovered:
        store.record_event("store_recovered", "warning", {
            "file": path.name, "recovered": len(report.recovered), "problems": len(report.problems),
        })
    return report
