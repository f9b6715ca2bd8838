"""Replacing a broken terminal (#26): `sync export` to a USB stick, `central import` at central, exactly once.

Real processes for both commands; the same terminal later comes back online through the real
broker and sends everything again: central still holds each application once.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from demo.devstack import Mosquitto
from tests.common import ROOT
from tests.kiosk.store.helpers import ID_NUMBER, NAME, open_test_store, submit
from tests.sync.stack import Central, terminal_config


def yichuang(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {"YICHUANG_CONFIG": str(config)} if config else {}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False, env={**os.environ, **env})


def _terminal_with_backlog(broker: Mosquitto, tmp_path: Path, engine: Engine) -> tuple[Central, Path, Path, set[str]]:
    """Central, and LC0001's folder and configuration with 60 unsynced applications (more than one bundle)."""
    central = Central(tmp_path, engine)
    terminal = tmp_path / "terminal"
    terminal.mkdir()
    config = terminal_config(terminal, broker, central)
    store = open_test_store(terminal)
    submitted = {str(submit(store, i).id) for i in range(60)}
    store.close()
    return central, terminal, config, submitted


def test_an_export_imports_once_and_the_terminal_coming_back_adds_nothing(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, terminal, config, submitted = _terminal_with_backlog(broker, tmp_path, sqlite_db)

    stick = tmp_path / "usb" / "LC0001.yc"
    exported = yichuang("sync", "export", str(stick), config=config)
    assert exported.returncode == 0, exported.stderr
    assert "60 unsynced records of LC0001 written to" in exported.stdout
    bundles = [base64.b64decode(b) for b in json.loads(stick.read_bytes())["bundles"]]
    assert len(bundles) == 2
    for personal in (NAME.encode(), ID_NUMBER.encode()):  # each envelope is encrypted to central's key
        assert not any(personal in b for b in bundles)

    db = str(sqlite_db.url)
    imported = yichuang("central", "import", str(stick), "--keys", str(central.keys_dir), "--db", db, "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["stored"] == 60
    assert sorted(central.stored()) == sorted(submitted)
    again = yichuang("central", "import", str(stick), "--keys", str(central.keys_dir), "--db", db)
    assert "60 envelopes, 0 stored, 60 already at central, 0 refused" in again.stdout

    store = open_test_store(terminal)  # the terminal is repaired after all and comes back online
    central.drain(broker, store)
    assert store.count_unacked() == 0
    assert sorted(central.stored()) == sorted(submitted)  # each application once
    store.close()
    central.stop()


def test_a_stick_that_lost_a_bundle_or_is_not_an_export_is_refused(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, _, config, _ = _terminal_with_backlog(broker, tmp_path, sqlite_db)
    stick = tmp_path / "LC0001.yc"
    assert yichuang("sync", "export", str(stick), config=config).returncode == 0
    body = json.loads(stick.read_bytes())
    body["bundles"] = body["bundles"][:1]  # one bundle lost on the way
    short = tmp_path / "short.yc"
    short.write_text(json.dumps(body))
    refused = yichuang("central", "import", str(short), "--keys", str(central.keys_dir), "--db", str(sqlite_db.url))
    assert refused.returncode == 1
    assert "the export is not signed by LC0001's key, or was changed" in refused.stderr
    junk = tmp_path / "junk.yc"
    junk.write_bytes(base64.b64encode(b"\x00" * 100))
    refused = yichuang("central", "import", str(junk), "--keys", str(central.keys_dir), "--db", str(sqlite_db.url))
    assert "not a terminal export" in refused.stderr
    assert central.stored() == []


def test_status_and_export_never_create_a_missing_store(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "typo" / "store.db"}"\nkey_provider = "file"\n'
                      f'key_file = "{tmp_path / "typo" / "store.key"}"\n', encoding="utf-8")
    for args in (("sync", "status"), ("sync", "export", str(tmp_path / "out.yc"))):
        done = yichuang(*args, config=config)
        assert done.returncode == 2, done.stderr
        assert str(tmp_path / "typo" / "store.db") in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["terminal.toml"]
