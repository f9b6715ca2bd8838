"""Decommissioning a terminal (#26): nothing unsynced lost, then no personal data, key or secret left on its disk.

Real processes (`yichuang decommission`, `central import`, `central terminals retire`), a real
store with known personal data, the real broker and PKI for the terminal's certificate; after
each decommission every file under the terminal's folders is byte-scanned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from central.platform.registry import Registry
from demo.devstack import Mosquitto
from kiosk.config import load_config
from kiosk.store import outbox
from tests.common import ROOT
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE, open_test_store, submit
from tests.sync.stack import Central, terminal_config

PIN_HASH = "scrypt$16384$8$1$c2FsdHNhbHRzYWx0$ZmFrZWhhc2hmYWtlaGFzaGZha2VoYXNoZmFrZWhhc2g="


def yichuang(*args: str, config: Path | None = None, stdin: str | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    extra = {"YICHUANG_CONFIG": str(config)} if config else {}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False, input=stdin, env={**os.environ, **extra, **(env or {})})


def _terminal(broker: Mosquitto, tmp_path: Path, engine: Engine, backlog: int) -> tuple[Central, Path, Path]:
    """Central, and LC0001's folder and configuration (with a PIN hash) holding ``backlog`` unsynced applications."""
    central = Central(tmp_path, engine)
    terminal = tmp_path / "terminal"
    terminal.mkdir()
    config = terminal_config(terminal, broker, central)
    config.write_text(config.read_text() + f'[technician]\npin_hash = "{PIN_HASH}"\n')
    store = open_test_store(terminal)
    for i in range(backlog):
        submit(store, i)
    store.close()
    return central, terminal, config


def _secrets(config: Path) -> list[bytes]:
    """The old key material and secrets whose bytes must not survive a decommission."""
    settings = load_config(config)
    kek = settings.store.key_file.read_bytes()
    device = settings.sync.key_file.read_bytes()
    return [kek, kek.hex().encode(), device, device[40:90], PIN_HASH.encode()]


def _personal() -> list[bytes]:
    """The known personal values in every encoding a leak could take."""
    return [value.encode(codec) for value in (NAME, ID_NUMBER, PHONE)
            for codec in ("utf-8", "gbk", "utf-16-le", "utf-16-be", "utf-32-le")]


def _scan(folders: list[Path], needles: list[bytes]) -> list[str]:
    """Return 'file: needle' for each needle found in any file under ``folders``."""
    found = []
    for folder in folders:
        for path in (p for p in folder.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found += [f"{path}: {needle[:12]!r}" for needle in needles if needle in data]
    return found


def _folders(config: Path) -> list[Path]:
    """The terminal's data and configuration folders, and its device key's."""
    settings = load_config(config)
    return sorted({config.parent, settings.store.path.parent, settings.sync.key_file.parent})


def test_a_backlog_is_refused_and_nothing_changes(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    _, terminal, config = _terminal(broker, tmp_path, sqlite_db, backlog=3)
    before = sorted(p.name for p in terminal.iterdir())
    refused = yichuang("decommission", "--yes", config=config)
    assert refused.returncode == 2, refused.stderr
    assert "3 records of LC0001 wait for central; nothing was changed" in refused.stderr
    assert "yichuang decommission --export" in refused.stderr
    assert sorted(p.name for p in terminal.iterdir()) == before
    store = open_test_store(terminal)  # still opens with its key: nothing was shredded
    assert len(outbox.unsynced(store)) == 3
    store.close()
    assert _scan([terminal], [NAME.encode()]) == []  # encrypted at rest even before


def test_export_then_decommission_then_import_stores_each_once_and_leaves_nothing(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, _, config = _terminal(broker, tmp_path, sqlite_db, backlog=5)
    secrets, folders = _secrets(config), _folders(config)
    stick = tmp_path / "usb" / "LC0001.yc"
    central.start_worker(broker)  # central is reachable, yet not told: it would refuse the retired terminal's export
    done = yichuang("decommission", "--export", str(stick), "--yes", config=config)
    assert done.returncode == 0, done.stderr
    assert f"exported 5 unsynced records to {stick}" in done.stdout
    assert "central was NOT told, so that it takes the export" in done.stdout
    assert "`yichuang central import LC0001.yc` first, then `yichuang central terminals retire LC0001" in done.stdout
    assert _scan(folders, _personal() + secrets) == []
    assert 'pin_hash = ""' in config.read_text()

    db = str(sqlite_db.url)
    imported = yichuang("central", "import", str(stick), "--keys", str(central.keys_dir), "--db", db, "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["stored"] == 5
    again = yichuang("central", "import", str(stick), "--keys", str(central.keys_dir), "--db", db, "--json")
    assert json.loads(again.stdout)["stored"] == 0
    assert len(central.stored()) == 5
    retired = yichuang("central", "terminals", "retire", "LC0001", "--reason", "decommissioned", "--db", db)
    assert retired.returncode == 0, retired.stderr
    assert Registry(sqlite_db).standing("LC0001").revoked
    central.stop()


def test_a_drained_terminal_is_shredded_and_retired_at_central(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, terminal, config = _terminal(broker, tmp_path, sqlite_db, backlog=4)
    central.start_worker(broker)
    drained = yichuang("sync", "run", "--until-drained", "--timeout", "60", config=config)
    assert drained.returncode == 0, drained.stderr
    assert len(central.stored()) == 4
    secrets, folders = _secrets(config), _folders(config)
    assert len(_scan(folders, secrets)) >= 4  # the scan finds the key material while it is there

    done = yichuang("decommission", "--yes", config=config)
    assert done.returncode == 0, done.stderr
    assert "central acknowledged the decommission notice: LC0001 is retired there" in done.stdout
    assert "store crypto-shredded: 1 key file(s) destroyed" in done.stdout
    assert "LC0001 is decommissioned" in done.stdout
    assert _scan(folders, _personal() + secrets) == []
    assert not any(p.name.startswith("store.db") and p.name.endswith(("-wal", "-shm", ".db"))
                   for p in terminal.iterdir())
    assert yichuang("decommission", "--yes", config=config).stdout.strip().endswith("nothing left to do")

    db = str(sqlite_db.url)
    row = Registry(sqlite_db).status("LC0001")  # the terminal's own signed notice retired it
    assert row is not None
    assert row["retired_at"]
    assert row["retired_reason"] == "decommissioned by a technician"
    assert row["revoked_at"]
    assert Registry(sqlite_db).standing("LC0001").revoked  # central refuses any later message
    assert len(central.stored()) == 5  # the four applications and the notice, each once
    twice = yichuang("central", "terminals", "retire", "LC0001", "--reason", "again", "--db", db)
    assert twice.returncode == 0, twice.stderr
    assert "was retired already" in twice.stdout
    central.stop()


def test_a_decommission_killed_after_shredding_completes_when_run_again(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, terminal, config = _terminal(broker, tmp_path, sqlite_db, backlog=0)
    secrets, folders = _secrets(config), _folders(config)
    killed = yichuang("decommission", "--yes", "--offline", config=config,
                      env={"YC_CRASHPOINT": "decommission_shredded"})
    assert killed.returncode == -9
    assert not (terminal / "store.key").exists()  # the store is shredded; the identity is still there
    assert load_config(config).sync.key_file.exists()
    assert (terminal / "store.db.decommissioning").exists()

    again = yichuang("decommission", "--yes", "--offline", config=config)
    assert again.returncode == 0, again.stderr
    assert "an earlier decommission was interrupted: completing it" in again.stdout
    assert "2 device key/certificate file(s)" in again.stdout
    assert _scan(folders, _personal() + secrets) == []
    assert (terminal / "store.db.decommissioned").read_text().startswith("LC0001 decommissioned")
    central.stop()


def test_the_technician_must_type_the_terminal_id(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, terminal, config = _terminal(broker, tmp_path, sqlite_db, backlog=0)
    wrong = yichuang("decommission", "--offline", config=config, stdin="LC0002\n")
    assert wrong.returncode == 2
    assert "not confirmed" in wrong.stderr
    assert "nothing was changed" in wrong.stderr
    assert (terminal / "store.key").exists()
    assert (terminal / "store.db").exists()
    right = yichuang("decommission", "--offline", config=config, stdin="LC0001\n")
    assert right.returncode == 0, right.stderr
    assert not (terminal / "store.key").exists()
    assert not (terminal / "store.db").exists()
    central.stop()


def test_an_offline_decommission_shreds_and_names_the_ops_command_that_finishes_it(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central, terminal, config = _terminal(broker, tmp_path, sqlite_db, backlog=0)
    secrets, folders = _secrets(config), _folders(config)
    unreachable = config.read_text().replace(f"127.0.0.1:{broker.port}", "127.0.0.1:9")  # nothing listens there
    config.write_text(unreachable)
    done = yichuang("decommission", "--yes", "--timeout", "3", config=config)
    assert done.returncode == 0, done.stderr
    assert "central was NOT told by this terminal" in done.stdout
    assert "yichuang central terminals retire LC0001 --reason decommissioned" in done.stdout
    assert _scan(folders, _personal() + secrets) == []
    row = Registry(sqlite_db).status("LC0001")
    assert row is not None
    assert row["retired_at"] is None  # no silent half-state: central does not pretend to know
    db = str(sqlite_db.url)
    retired = yichuang("central", "terminals", "retire", "LC0001", "--reason", "decommissioned", "--db", db)
    assert retired.returncode == 0, retired.stderr
    assert "retired LC0001" in retired.stdout
    assert Registry(sqlite_db).standing("LC0001").revoked
    unknown = yichuang("central", "terminals", "retire", "LC9999", "--reason", "x", "--db", db)
    assert unknown.returncode == 2
    assert "no terminal LC9999" in unknown.stderr
    assert terminal.is_dir()
    central.stop()
