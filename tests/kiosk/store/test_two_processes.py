"""The UI and the sync agent share one store: first start together, locks, key rotation, clock steps."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.store import database as db
from kiosk.store import outbox
from kiosk.store.errors import StoreError, WrongKey
from kiosk.store.inspect import check
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from kiosk.store.rotation import rotate
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store, submit

OPEN_AND_SUBMIT = (
    "import sys; from pathlib import Path; from tests.kiosk.store.helpers import open_test_store, submit; "
    "s = open_test_store(Path(sys.argv[1])); submit(s); print(s.kek_id); s.close()"
)


@pytest.mark.parametrize("round_", range(4))
def test_two_processes_creating_a_new_store_at_once_agree(tmp_path: Path, round_: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", OPEN_AND_SUBMIT, str(tmp_path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err[-500:] for _, err in outcomes]
    assert outcomes[0][0] == outcomes[1][0]  # the same key
    store = open_test_store(tmp_path)
    assert store.count_applications() == 2
    store.close()


def test_a_locked_store_is_reported_never_quarantined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_test_store(tmp_path)
    submit(store)
    store.close()
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    holder = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE counters SET value = value")
    with pytest.raises(StoreError, match="locked"):
        open_test_store(tmp_path)
    holder.execute("ROLLBACK")
    holder.close()
    assert not list(tmp_path.glob("store.db.corrupt-*"))
    reopened = open_test_store(tmp_path)
    assert reopened.count_applications() == 1
    reopened.close()


def test_shredding_beside_a_reader_owes_a_checkpoint_and_pays_it_later(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    outbox.ack(store, str(application.id))
    wrapped = sqlite3.connect(store.path).execute("SELECT wrapped_key FROM applications").fetchone()[0]
    reader = sqlite3.connect(store.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM applications").fetchone()  # holds a snapshot, as the other process may
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    started = datetime.now(UTC)
    assert outbox.shred(store, timedelta(days=7)) == 1
    assert datetime.now(UTC) - started < timedelta(seconds=3)  # never holds the other process up for long
    report = check(store)
    assert not report["ok"]
    assert any("WAL" in p for p in report["problems"])
    reader.execute("ROLLBACK")
    reader.close()
    assert outbox.shred(store, timedelta(days=7)) == 0
    assert check(store)["ok"]
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("store.db"))
    assert wrapped not in on_disk
    store.close()


def test_a_process_follows_a_key_rotated_by_the_other(tmp_path: Path) -> None:
    key = tmp_path / "store.key"
    ui, agent = open_test_store(tmp_path), open_test_store(tmp_path)
    submit(ui)
    rotate(agent, KeyFileProvider(tmp_path / "new.key"))
    with pytest.raises(WrongKey, match="restart"):
        submit(ui)  # refuses rather than wrap a record with the retired key
    key.unlink()
    (tmp_path / "new.key").rename(key)  # the technician moves the new key into place
    after = submit(ui)
    ui.close()
    agent.close()
    reopened = open_store(tmp_path / "store.db", KeyFileProvider(key))
    assert reopened.application_content(str(after.id))["number"] == after.number
    assert check(reopened)["ok"]
    reopened.close()


def test_a_retry_scheduled_before_the_clock_went_back_is_due(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    submit(store)
    entry = outbox.pending(store)[0]
    outbox.attempted(store, entry.seq, timedelta(minutes=5))
    store.clock = lambda: datetime(1970, 1, 1, tzinfo=UTC)  # RTC reset
    assert [e.seq for e in outbox.pending(store)] == [entry.seq]
    store.close()


def test_an_ack_stamped_by_a_1970_clock_gets_its_full_retention(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    application = submit(store)
    store.clock = lambda: datetime(1970, 1, 1, tzinfo=UTC)
    outbox.ack(store, str(application.id))
    store.clock = lambda: datetime.now(UTC)  # NTP fixes the clock
    assert outbox.shred(store, timedelta(days=7)) == 0
    assert store.reprint(application.number).number == application.number
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    assert outbox.shred(store, timedelta(days=7)) == 1
    store.close()


def test_new_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    store = open_store(data / "store.db", KeyFileProvider(tmp_path / "store.key"))
    submit(store)
    assert data.stat().st_mode & 0o777 == 0o700
    for name in ("store.db", "store.db-wal"):
        assert (data / name).stat().st_mode & 0o077 == 0, name
    store.close()
