"""Durable submit of ~2 KB applications: this store against plain SQLite and SQLCipher.

All three write the same rows (application, receipt, outbox entry, counters) in one
transaction per application with WAL and synchronous=FULL, on the same disk, in the same run.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlcipher3

from benchmarks.harness import LatencyCase
from domain.application import Draft, create
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from domain.numbering import new_application_id, receipt_number
from domain.receipt import build_receipt
from kiosk.store import database as db
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from kiosk.store.store import SQL_NEXT_DAILY, SQL_NEXT_SEQ, SQL_OUTBOX, SQL_RECEIPT, to_json

WORK = Path(__file__).resolve().parent.parent / "var" / "bench"
ANSWERS = {
    "applicant.document_type": "resident_id",
    "applicant.name": "张三丰", "applicant.id_number": "370303198505120012", "applicant.gender": "male",
    "applicant.nation": "汉", "applicant.birth_date": "1985-05-12",
    "applicant.address": "山东省聊城市东昌府区柳园街道示例路1号院3号楼2单元501室", "delivery.method": "mail",
    "contact.phone": "13800138000", "contact.mail_address": "山东省聊城市东昌府区柳园街道示例路1号院3号楼2单元501室",
    "insurance.card_bank": "ccb", "declaration.consent": True,
}
SQL_PLAIN_APPLICATION = (
    "INSERT INTO applications (id, seq, number, offering_code, offering_kind, catalog_version, catalog_hash, "
    "state, created_at, boot_id, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _sample() -> tuple[Any, Any, Any]:
    """Build one realistic application and its receipt."""
    catalog = load_catalog(SAMPLE_CATALOG)
    now = datetime.now(UTC)
    application = create(Draft(catalog.offering("SB-001"), ANSWERS), catalog, "LC0001", 1, now)
    return catalog, application, build_receipt(application, catalog, catalog.halls["lc-center"])


def _fresh(name: str) -> Path:
    """Return an empty work directory."""
    path = WORK / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


class Days:
    """A new date every 5 000 calls: a terminal numbers at most 9 999 applications a day."""

    def __init__(self, first: date) -> None:
        """Start at ``first``."""
        self.first, self.calls = first, 0

    def next(self) -> date:
        """Return the date for the next application."""
        self.calls += 1
        return self.first + timedelta(days=self.calls // 5000)


def _renumbered(application: Any, day: date, seq: int) -> Any:
    """Return the sample application with a new id and the number of ``seq`` on ``day``."""
    return dataclasses.replace(application, id=new_application_id(), number=receipt_number("LC0001", day, seq))


def store_submit() -> Callable[[], object]:
    """This project's encrypted submit."""
    _, application, receipt = _sample()
    directory = _fresh("store")
    store = open_store(directory / "store.db", KeyFileProvider(directory / "store.key"))
    days = Days(application.created_at.date())

    def submit() -> object:
        day = days.next()
        return store.submit(day, lambda seq: _renumbered(application, day, seq), lambda _: receipt)

    return submit


def _plain_submit(conn: Any, application: Any, receipt: Any) -> Callable[[], object]:
    """The same rows written in clear through a DB-API connection."""
    days = Days(application.created_at.date())

    def submit() -> None:
        conn.execute("BEGIN IMMEDIATE")
        day = days.next()
        daily = conn.execute(SQL_NEXT_DAILY, (day.isoformat(), 1, 1)).fetchone()[0]
        app = _renumbered(application, day, daily)
        seq = conn.execute(SQL_NEXT_SEQ).fetchone()[0]
        rid, now = str(app.id), datetime.now(UTC).isoformat()
        conn.execute(SQL_PLAIN_APPLICATION, (
            rid, seq, app.number, app.offering_code, app.offering_kind, app.catalog_version, app.catalog_hash,
            app.state.value, now, "boot", to_json(app),
        ))
        conn.execute(SQL_RECEIPT, (rid, to_json(receipt)))
        conn.execute(SQL_OUTBOX, (seq, rid, "application", now, "boot"))
        conn.execute("COMMIT")

    return submit


def _schema() -> list[str]:
    """Return the store's DDL, taken from a migrated database."""
    directory = _fresh("schema")
    db.migrate(db.make_engine(directory / "s.db"))
    conn = sqlite3.connect(directory / "s.db")
    query = "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'alembic_version'"
    ddl = [row[0] for row in conn.execute(query)]
    conn.close()
    return ddl


def _prepare(conn: Any, key: str | None = None) -> Any:
    """Apply the same pragmas as the store and create its tables."""
    if key is not None:
        conn.execute(f"PRAGMA key = '{key}'")
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=ON", "temp_store=MEMORY"):
        conn.execute(f"PRAGMA {pragma}")
    for statement in _schema():
        conn.execute(statement)
    return conn


def plain_sqlite() -> Callable[[], object]:
    """Plain SQLite with the store's durability, nothing encrypted."""
    _, application, receipt = _sample()
    conn = _prepare(sqlite3.connect(_fresh("plain") / "plain.db", isolation_level=None))
    return _plain_submit(conn, application, receipt)


def sqlcipher() -> Callable[[], object]:
    """SQLCipher 4 (whole-file encryption), the same rows in clear inside it."""
    _, application, receipt = _sample()
    conn = _prepare(sqlcipher3.connect(str(_fresh("sqlcipher") / "cipher.db"), isolation_level=None), "bench-key")
    return _plain_submit(conn, application, receipt)


def cases() -> list[LatencyCase]:
    """Return the store benchmarks."""
    return [
        LatencyCase(
            name="durable submit, 10 000 × ~2 KB",
            subject=store_submit, baseline=plain_sqlite,
            subject_label="store.submit (AES-GCM per record, key wrapped in its row)",
            baseline_label="plain SQLite, same rows and durability",
            ratio_range=(0.0, 1.1),
        ),
        LatencyCase(
            name="durable submit vs SQLCipher",
            subject=store_submit, baseline=sqlcipher,
            subject_label="store.submit (AES-GCM per record, key wrapped in its row)",
            baseline_label="SQLCipher 4, same rows and durability",
        ),
    ]
