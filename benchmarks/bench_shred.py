"""A terminal's store over years: bytes per application once central has it and it is shredded.

The subject is this store's whole life of an application — durable encrypted submit, central's
ack, crypto-shredding past retention — for ROUNDS batches, each batch shredded before the next (a
terminal in steady state). The baseline is plain SQLite with the same pragmas and schema holding only
what a shredded application keeps (its metadata row, an empty receipt row, its outbox entry), written
one durable transaction per application. Each reports the main file's bytes per application.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from benchmarks.bench_store import SQL_PLAIN_APPLICATION, Days, _fresh, _prepare, _renumbered, _sample
from benchmarks.harness import Run, RunCase
from kiosk.store import outbox
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from kiosk.store.store import SQL_NEXT_DAILY, SQL_NEXT_SEQ, SQL_OUTBOX

BATCH = int(os.environ.get("YC_SHRED_BATCH", "1000"))
ROUNDS = 3


_plain: dict[str, str] = {}  # the baseline's figure, shown beside the subject's


def _bytes_each(path: os.PathLike[str], count: int) -> str:
    """Return the main file's bytes per application, and those in use (SQLite's free pages left out), in words."""
    conn = sqlite3.connect(path)
    page, pages, free = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                         for name in ("page_size", "page_count", "freelist_count"))
    conn.close()
    return (f"file {pages * page / count:,.0f} bytes per application, in use {(pages - free) * page / count:,.0f} "
            f"({count:,} applications; {free * page / 1e6:.1f} MB of free pages kept for the next ones)")


def store_life() -> Run:
    """Submit, acknowledge and shred ROUNDS batches in this project's store."""
    _, application, receipt = _sample()
    directory = _fresh("shred")
    store = open_store(directory / "store.db", KeyFileProvider(directory / "store.key"))
    days, began, stages = Days(application.created_at.date()), time.perf_counter(), {"submit": 0.0, "shred": 0.0}
    for round_ in range(ROUNDS):
        mark = time.perf_counter()
        for _ in range(BATCH):
            day = days.next()
            stored = store.submit(day, lambda seq, day=day: _renumbered(application, day, seq), lambda _: receipt)
            outbox.ack(store, str(stored.id))
        stages["submit"] += time.perf_counter() - mark
        mark = time.perf_counter()
        store.clock = lambda later=timedelta(days=8 * (round_ + 1)): datetime.now(UTC) + later  # past retention
        assert outbox.shred(store, timedelta(days=7)) == BATCH
        stages["shred"] += time.perf_counter() - mark
    seconds = time.perf_counter() - began
    store.close()
    return Run(ROUNDS * BATCH, seconds, stages, {
        "store after shredding": _bytes_each(directory / "store.db", ROUNDS * BATCH), **_plain})


def plain_metadata() -> Run:
    """Write only what a shredded application keeps, in plain SQLite with the store's durability."""
    _, application, _receipt = _sample()
    path = _fresh("shred-plain") / "plain.db"
    conn = _prepare(sqlite3.connect(path, isolation_level=None))
    days, began = Days(application.created_at.date()), time.perf_counter()
    for _ in range(ROUNDS * BATCH):
        conn.execute("BEGIN IMMEDIATE")
        day = days.next()
        app = _renumbered(application, day, conn.execute(SQL_NEXT_DAILY, (day.isoformat(), 1, 1)).fetchone()[0])
        seq, now = conn.execute(SQL_NEXT_SEQ).fetchone()[0], datetime.now(UTC).isoformat()
        conn.execute(SQL_PLAIN_APPLICATION, (str(app.id), seq, app.number, app.offering_code, app.offering_kind,
                                             app.catalog_version, app.catalog_hash, app.state.value, now, "boot", None))
        conn.execute("INSERT INTO receipts (application_id, document, printed) VALUES (?, NULL, 0)", (str(app.id),))
        conn.execute(SQL_OUTBOX, (seq, str(app.id), "application", now, "boot"))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - began
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    _plain["plain SQLite, the metadata only"] = _bytes_each(path, ROUNDS * BATCH)
    return Run(ROUNDS * BATCH, seconds, {}, dict(_plain))


def cases() -> list[RunCase]:
    """Return the shredding case."""
    return [RunCase("store bytes per shredded application", store_life, plain_metadata,
                    "submit, ack and shred, 3 rounds (steady state)", "plain SQLite, the metadata only")]
