"""Shredding gives the ciphertext's space back: a terminal's store grows by its metadata, not by 4 KB an application."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.store import outbox
from kiosk.store.store import Store
from tests.kiosk.store.helpers import open_test_store, submit

BATCH = 200


def pages(store: Store, table: str) -> int:
    """Return the pages ``table`` takes in the store's file (SQLite's dbstat)."""
    raw = sqlite3.connect(store.path)
    try:
        return int(raw.execute("SELECT count(*) FROM dbstat WHERE name = ?", (table,)).fetchone()[0])
    finally:
        raw.close()


def file_pages(store: Store) -> int:
    """Return the pages of the store's main file."""
    raw = sqlite3.connect(store.path)
    try:
        return int(raw.execute("PRAGMA page_count").fetchone()[0])
    finally:
        raw.close()


def submit_ack_shred(store: Store, start: int) -> None:
    """Submit a batch, have central acknowledge it, and shred it past retention."""
    for index in range(start, start + BATCH):
        outbox.ack(store, str(submit(store, index).id))
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8 + start)
    assert outbox.shred(store, timedelta(days=7)) == BATCH


def test_shredded_rows_pack_onto_few_pages_and_the_freed_ones_take_new_applications(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    for index in range(BATCH):
        submit(store, index)
    sealed = pages(store, "applications")
    assert sealed >= BATCH // 2  # a sealed application is most of a 4 KB page
    for entry in outbox.pending(store, limit=BATCH):
        outbox.ack(store, entry.record_id)
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    assert outbox.shred(store, timedelta(days=7)) == BATCH
    assert pages(store, "applications") <= sealed // 5, "shredded rows still hold a page each"
    assert pages(store, "receipts") <= 10
    grown = file_pages(store)
    for round_ in range(1, 4):
        submit_ack_shred(store, round_ * BATCH)
    assert file_pages(store) <= grown + 3 * BATCH // 4  # three batches in the freed pages: < 1 KB of metadata each
    assert store.count_shredded() == 4 * BATCH
    store.close()
