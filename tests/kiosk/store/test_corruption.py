"""A damaged database is quarantined, never deleted; its applications can be recovered."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from domain.numbering import parse_receipt_number
from kiosk.store import outbox
from kiosk.store.recover import recover
from tests.kiosk.store.helpers import open_test_store, submit


def fill(directory: Path, count: int) -> list[str]:
    """Store ``count`` applications, acknowledge the first, checkpoint; return their ids."""
    store = open_test_store(directory)
    ids = [str(submit(store, i).id) for i in range(count)]
    outbox.ack(store, ids[0])
    store.close()
    conn = sqlite3.connect(directory / "store.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return ids


def smash_page(path: Path, table_or_index: str) -> None:
    """Overwrite the root page of a table or index with garbage."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table_or_index,)).fetchone()[0]
    conn.close()
    with path.open("r+b") as out:
        out.seek((root - 1) * page_size)
        out.write(b"\xa5" * page_size)


def test_a_damaged_index_is_quarantined_and_everything_recovered(tmp_path: Path) -> None:
    ids = fill(tmp_path, 12)
    smash_page(tmp_path / "store.db", "ix_outbox_status_seq")
    store = open_test_store(tmp_path)
    quarantined = sorted(tmp_path.glob("store.db.corrupt-*"))
    assert [p.name.endswith(("-wal", "-shm")) for p in quarantined].count(False) == 1
    event = store.events("store_quarantined")[0]
    assert event["severity"] == "critical"
    assert store.count_applications() == 0
    # numbering carries on from the damaged file's counters
    assert parse_receipt_number(submit(store, 99).number)[2] == 13
    report = recover(store, quarantined[0])
    assert report.problems == []
    assert len(report.recovered) == 12
    pending = {e.record_id for e in outbox.pending(store, limit=100)}
    assert set(ids) <= pending  # all back in the outbox, even the one central had (it de-duplicates)
    assert store.application_content(ids[5])["id"] == ids[5]
    assert recover(store, quarantined[0]).already_present == 12  # running it twice adds nothing
    store.close()


def test_a_file_that_is_not_a_database_is_kept_and_numbers_jump_past_it(tmp_path: Path) -> None:
    fill(tmp_path, 3)
    path = tmp_path / "store.db"
    path.write_bytes(b"garbage" * 5000)
    store = open_test_store(tmp_path)
    (kept,) = [p for p in tmp_path.glob("store.db.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes().startswith(b"garbage")
    assert parse_receipt_number(submit(store).number)[2] > 5000  # no number can repeat one in the lost file
    report = recover(store, kept)
    assert report.recovered == []
    assert report.problems
    store.close()
