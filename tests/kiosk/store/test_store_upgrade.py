"""`store upgrade` is the one command that creates or migrates the store; the others refuse a missing or
older one by name, exit 2, and print counts in words (#23 defects 10, 12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.store import database as db
from kiosk.store.keys import KeyFileProvider
from tests.common import run


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(
        f'[terminal]\nid = "LC0001"\n[store]\npath = "{tmp_path}/data/store.db"\nkey_file = "{tmp_path}/store.key"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("command", [["stats"], ["check"], ["shred"], ["reprint", "LC0001-261122-00001"]])
def test_a_missing_store_is_named_and_not_created(config: Path, tmp_path: Path, command: list[str]) -> None:
    result = run("store", *command, config=config)
    assert result.returncode == 2, result.stderr
    assert f"no store at {tmp_path}/data/store.db" in result.stderr
    assert "yichuang store upgrade" in result.stderr
    assert not (tmp_path / "data" / "store.db").exists()
    assert not (tmp_path / "store.key").exists()


def test_an_older_store_says_to_upgrade_and_upgrade_migrates_it(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "data" / "store.db"
    path.parent.mkdir()
    engine = db.make_engine(path)
    older = "0002"
    db.migrate(engine, older)
    engine.dispose()
    KeyFileProvider(tmp_path / "store.key").create()
    stale = run("store", "stats", config=config)
    assert stale.returncode == 2, stale.stderr
    assert f"is at schema {db.current_revision(db.make_engine(path))}, this release uses" in stale.stderr
    upgraded = run("store", "upgrade", config=config)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"ready at schema {db.head_revision()}" in upgraded.stdout


def test_stats_are_words_not_python_dicts(config: Path) -> None:
    assert run("store", "upgrade", config=config).returncode == 0
    shown = run("store", "stats", config=config)
    assert shown.returncode == 0, shown.stderr
    assert "applications: none" in shown.stdout
    assert "{" not in shown.stdout
