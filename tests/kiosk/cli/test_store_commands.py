"""`yichuang store …` against a store made through the real command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from tests.common import run
from tests.kiosk.store.helpers import submit


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(
        f'[terminal]\nid = "LC0001"\n[store]\npath = "{tmp_path}/data/store.db"\nkey_file = "{tmp_path}/store.key"\n',
        encoding="utf-8",
    )
    return path


def populate(tmp_path: Path, count: int = 3) -> list[str]:
    store = open_store(tmp_path / "data" / "store.db", KeyFileProvider(tmp_path / "store.key"))
    numbers = [submit(store, i).number for i in range(count)]
    store.close()
    return numbers


def test_init_check_and_stats(config: Path, tmp_path: Path) -> None:
    created = run("store", "init", config=config)
    assert created.returncode == 0, created.stderr
    assert "file key id" in created.stdout
    populate(tmp_path)
    report = json.loads(run("store", "check", "--json", config=config).stdout)
    assert report["ok"] is True
    assert report["applications"] == {"submitted": 3}
    assert report["outbox"] == {"pending": 3}
    assert report["oldest_unsynced_seconds"] is not None
    stats = json.loads(run("store", "stats", "--json", config=config).stdout)
    assert stats["live_data_keys"] == 3


def test_reprint(config: Path, tmp_path: Path) -> None:
    number = populate(tmp_path, 1)[0]
    result = run("store", "reprint", number, config=config)
    assert result.returncode == 0, result.stderr
    assert "受理回执" in result.stdout
    assert number in result.stdout
    missing = run("store", "reprint", "LC0001-261122-99997", config=config)
    assert missing.returncode == 1
    assert "no application with number" in missing.stderr


def test_wrong_key_is_one_clear_line(config: Path, tmp_path: Path) -> None:
    populate(tmp_path)
    (tmp_path / "store.key").unlink()
    KeyFileProvider(tmp_path / "store.key").create()
    result = run("store", "check", config=config)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the file key")
    assert "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr


def test_recover_a_quarantined_file(config: Path, tmp_path: Path) -> None:
    populate(tmp_path, 4)
    db = tmp_path / "data" / "store.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_outbox_status_seq'").fetchone()[0]
    conn.close()
    with db.open("r+b") as out:
        out.seek((root - 1) * page)
        out.write(b"\x00\xff" * (page // 2))
    check = run("store", "check", "--json", config=config)  # opening quarantines the damaged file
    assert check.returncode == 1
    report = json.loads(check.stdout)
    assert report["ok"] is False
    assert any("store recover" in problem for problem in report["problems"])
    (damaged,) = [p for p in db.parent.glob("store.db.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    result = run("store", "recover", str(damaged), "--json", config=config)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["recovered"]) == 4
    stats = json.loads(run("store", "stats", "--json", config=config).stdout)
    assert stats["outbox"] == {"pending": 4}
    assert run("store", "check", config=config).returncode == 0  # recovered: healthy again
