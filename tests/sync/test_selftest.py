"""`yichuang selftest` as a technician runs it: the fleet's real broker and PKI, the TCP printer emulator, wrong cables.

Each run is a real process with a terminal configuration; the broker check is a TLS handshake with
the terminal's certificate (checked against the CRL by mosquitto), so a revoked terminal is named.
"""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from demo.devstack import start_mosquitto
from demo.ports import free_port
from drivers.printer.emulator import EmulatorServer
from drivers.status import PaperState
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from provisioning import pki
from provisioning.broker import write_broker_config
from sync.telemetry import collect
from tests.common import ROOT
from tests.provisioning.loopback import PASSPHRASE


@dataclass
class Fleet:
    """A CA, a broker that knows its CRL, and two terminals' identities (LC0002 revoked)."""

    base: Path
    ca: Path
    port: int


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    base = tmp_path_factory.mktemp("selftest")
    issuer = pki.init_ca(base / "ca", PASSPHRASE, ("localhost", "127.0.0.1"))
    for terminal in ("LC0001", "LC0002"):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = issuer.issue(terminal, key.public_key(), 7)
        (base / f"{terminal}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (base / f"{terminal}.key").write_bytes(pki.private_pem(key, None))
    issuer.revoke("LC0002")  # before the broker starts: its CRL lists it
    port = free_port()
    conf = write_broker_config(base / "ca", base / "broker", port=port, bind="127.0.0.1", services_port=free_port(),
                               run_as=getpass.getuser())
    broker = start_mosquitto(conf, port)
    yield Fleet(base, base / "ca", port)
    broker.terminate()
    broker.wait(timeout=10)


def terminal_config(fleet: Fleet, folder: Path, terminal: str, *, reader: str = "sim://?card=zhang",
                    printer: str = "sim://",
                    port: int | None = None) -> Path:
    """A terminal's configuration: its identity, devices, store and the CA's catalog key."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "terminal.toml"
    config.write_text(
        f'[terminal]\nid = "{terminal}"\nhall = "lc-center"\n'
        f'[devices]\ncard_reader = "{reader}"\nprinter = "{printer}"\nspeaker = "sim://"\n'
        f'[catalog]\nreleases = "{folder / "releases"}"\nsigning_key = "{fleet.ca / "signing" / "catalog.pub"}"\n'
        f'[store]\npath = "{folder / "store.db"}"\nkey_provider = "file"\nkey_file = "{folder / "store.key"}"\n'
        f'[sync]\nbroker = "mqtts://127.0.0.1:{port or fleet.port}"\nca_file = "{fleet.ca / "chain.pem"}"\n'
        f'cert_file = "{fleet.base / f"{terminal}.pem"}"\nkey_file = "{fleet.base / f"{terminal}.key"}"\n'
        f'time_file = "{folder / "last-good-time"}"\n', encoding="utf-8")
    return config


def selftest(config: Path, *args: str) -> tuple[int, dict[str, dict[str, object]]]:
    """Run `yichuang selftest --json`; return its exit status and the checks by name."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "selftest", "--json", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False,
                          env={**os.environ, "YICHUANG_CONFIG": str(config)})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("["), done.stderr
    return done.returncode, {c["name"]: c for c in json.loads(done.stdout)}


def test_a_healthy_terminal_passes_every_check_and_reads_a_test_card(fleet: Fleet, tmp_path: Path) -> None:
    code, checks = selftest(terminal_config(fleet, tmp_path, "LC0001"), "--test-card", "5", "--test-page")
    assert code == 0, checks
    assert list(checks) == ["card_reader", "printer", "broker", "clock", "disk", "store", "catalog", "sound"]
    assert checks["card_reader"]["found"] == "a test card was read (its data is not kept)"
    assert checks["printer"]["found"] == "test page printed"
    assert checks["broker"]["found"] == "the broker accepted this terminal's certificate"
    assert str(checks["catalog"]["found"]).startswith("installed catalog 2026.")
    assert all(c["remedy"] is None for c in checks.values())


def test_wrong_cables_and_no_paper_fail_with_a_remedy_in_words(fleet: Fleet, tmp_path: Path) -> None:
    emulator = EmulatorServer()
    port = emulator.start()
    emulator.state.paper = PaperState.OUT
    try:
        config = terminal_config(fleet, tmp_path, "LC0001", reader="serial:///dev/ttyNOSUCH?baud=115200",
                         printer=f"tcp://127.0.0.1:{port}", port=free_port())
        code, checks = selftest(config)
    finally:
        emulator.stop()
    assert code == 1
    assert checks["card_reader"]["ok"] is False
    assert "数据线" in str(checks["card_reader"]["remedy"])  # zh_CN, the terminal's language
    assert (checks["printer"]["found"], checks["printer"]["remedy"]) == ("paper out", "装入新的打印纸卷，合上打印机盖。")
    assert str(checks["broker"]["found"]).startswith("cannot reach the broker at 127.0.0.1:")
    assert "端口 8883" in str(checks["broker"]["remedy"])
    assert checks["store"]["ok"] is True  # the rest still ran
    store = open_store(tmp_path / "store.db", KeyFileProvider(tmp_path / "store.key"))
    beat = collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.12", cert_file=None)
    store.close()
    assert beat.selftest_at is not None  # the fleet monitor sees the outcome with the next heartbeat
    assert beat.selftest_failed == ["card_reader", "printer", "broker"]


def test_a_revoked_terminal_is_told_so(fleet: Fleet, tmp_path: Path) -> None:
    code, checks = selftest(terminal_config(fleet, tmp_path, "LC0002"))
    assert code == 1
    assert checks["broker"]["found"] == "the broker refused this terminal's certificate: it is revoked"
    assert "重新登记" in str(checks["broker"]["remedy"])
