"""`store recover` given a crafted file: its schema runs nothing, the file is never written, rows and time are capped."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kiosk.store import recover as recovering
from kiosk.store.recover import recover
from tests.common import ROOT, YICHUANG
from tests.kiosk.store.helpers import open_test_store, submit

ENDLESS = ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS id, n AS seq, n AS number, "
           "n AS offering_code, n AS offering_kind, n AS catalog_version, n AS catalog_hash, n AS state, "
           "n AS created_at, n AS boot_id, n AS content FROM r WHERE n = 0")  # never ends, never yields a row


def _crafted(path: Path, applications: str) -> Path:
    """Write a store-like file whose ``applications`` is made by the statement ``applications``."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE data_keys (record_id TEXT PRIMARY KEY, kek_id TEXT, wrapped BLOB)")
        conn.execute("CREATE TABLE receipts (application_id TEXT PRIMARY KEY, document BLOB, printed INT)")
        conn.execute(applications)
    conn.close()
    return path


def test_store_recover_refuses_a_recursive_view_at_once_and_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(f'[terminal]\nid = "LC0001"\n[store]\npath = "{tmp_path}/data/store.db"\n'
                      f'key_file = "{tmp_path}/store.key"\n', encoding="utf-8")
    (tmp_path / "evil").mkdir()
    hostile = _crafted(tmp_path / "evil" / "store.db.corrupt-1", f"CREATE VIEW applications AS {ENDLESS}")
    before = hostile.read_bytes()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "PYTHONPATH": str(ROOT), "YICHUANG_CONFIG": str(config)}
    made = subprocess.run([str(YICHUANG), "store", "upgrade"], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=60, check=False)  # the terminal's store exists: recover needs it
    assert made.returncode == 0, made.stderr
    result = subprocess.run([str(YICHUANG), "store", "recover", str(hostile)], capture_output=True, text=True, env=env,
                            cwd=ROOT, timeout=30, check=False)  # before the fix: ran until killed
    assert result.returncode == 1
    assert "not a store file: applications is a view, not a table; nothing was recovered" in result.stdout
    assert "Traceback" not in result.stderr
    assert hostile.read_bytes() == before
    assert sorted(p.name for p in hostile.parent.iterdir()) == [hostile.name]  # no -wal or -shm made beside it


@pytest.mark.parametrize(("statement", "why"), [
    ("CREATE TABLE applications (id TEXT, seq INT)", "applications lacks the columns number, offering_code"),
    ("CREATE TABLE applications (id TEXT, seq INT, number TEXT, offering_code TEXT, offering_kind TEXT, "
     "catalog_version TEXT, catalog_hash TEXT, state TEXT, created_at TEXT, boot_id TEXT, "
     "content BLOB AS (zeroblob(1000000000)))", "applications has computed columns"),
])
def test_a_table_that_is_not_the_stores_is_refused(tmp_path: Path, statement: str, why: str) -> None:
    store = open_test_store(tmp_path / "live")
    report = recover(store, _crafted(tmp_path / "crafted.db", statement))
    assert report.recovered == []
    assert len(report.problems) == 1
    assert why in report.problems[0]
    store.close()


def test_recovery_stops_at_the_row_and_time_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = open_test_store(tmp_path)
    for n in range(5):
        submit(source, n)
    source.close()
    old = (tmp_path / "store.db").rename(tmp_path / "old.db")
    store = open_test_store(tmp_path)  # a new store under the same key
    monkeypatch.setattr(recovering, "MAX_ROWS", 3)
    report = recover(store, old)
    assert len(report.recovered) == 3
    assert report.problems == ["old.db: more than 3 applications; stopped after the first 3"]
    monkeypatch.setattr(recovering, "MAX_SECONDS", 0.0)
    monkeypatch.setattr(recovering, "CHECK_EVERY", 1)  # the clock is read at every step of a query on the file
    report = recover(store, old)
    assert report.recovered == []
    assert report.problems == ["old.db: reading it took longer than 0 s; stopped"]
    store.close()


def test_applications_still_in_the_files_wal_are_recovered_and_the_file_is_not_touched(tmp_path: Path) -> None:
    source = open_test_store(tmp_path)
    numbers = [submit(source, n).number for n in range(4)]
    for suffix in ("", "-wal"):  # as a crash leaves them: the applications are in the WAL only
        shutil.copyfile(tmp_path / f"store.db{suffix}", tmp_path / f"old.db{suffix}")
    source.close()
    (tmp_path / "store.db").unlink()
    kept = {p.name: p.read_bytes() for p in tmp_path.glob("old.db*")}
    assert len(kept["old.db-wal"]) > 0
    store = open_test_store(tmp_path)  # a new store under the same key
    report = recover(store, tmp_path / "old.db")
    assert sorted(report.recovered) == sorted(numbers)
    assert {p.name: p.read_bytes() for p in tmp_path.glob("old.db*")} == kept
    store.close()
