"""A terminal whose clock jumped years ahead once still reaches the real broker; one booted in 1970 stays protected."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central.platform import keys
from central.platform.database import make_engine
from central.platform.ingest import Ingest
from central.platform.worker import IngestWorker
from demo.devstack import start_mosquitto
from demo.ports import free_port
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.service import Enroller, EnrollmentService, service_link
from provisioning.tokens import HallProfile, create_tokens
from tests.common import ROOT
from tests.kiosk.store.helpers import submit
from tests.sync.stack import SAMPLE_ARCHIVE

PASSPHRASE = b"correct horse battery"
BROKER_NAMES = ("localhost", "127.0.0.1")
REAL_MONOTONIC = {"FAKETIME_DONT_FAKE_MONOTONIC": "1"}
ISSUE_BROKER = """
import sys
from pathlib import Path
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from provisioning import pki
ca, days = Path(sys.argv[1]), int(sys.argv[2])
key = ec.generate_private_key(ec.SECP256R1())
cert = pki.Issuer.load(ca, b"correct horse battery").issue("broker", key.public_key(), days,
                                                          server_names=("localhost", "127.0.0.1"))
(ca / "services" / "broker.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
(ca / "services" / "broker.key").write_bytes(pki.private_pem(key, None))
"""


@dataclass
class Fleet:
    ca: Path
    port: int
    services_port: int
    broker_dir: Path
    broker: subprocess.Popen[bytes]
    db_url: str
    worker: IngestWorker

    def new_broker_certificate(self, days: int, faked: tuple[str, ...] = (), *, valid: bool = True) -> None:
        """Issue the broker a certificate (at a faked time when asked) and restart mosquitto with it."""
        issued = subprocess.run([*faked, sys.executable, "-c", ISSUE_BROKER, str(self.ca), str(days)], cwd=ROOT,
                                capture_output=True, text=True, check=False, env={**os.environ, **REAL_MONOTONIC})
        assert issued.returncode == 0, issued.stderr
        self.worker.ready.clear()
        self.broker.terminate()
        self.broker.wait(timeout=10)
        conf = write_broker_config(self.ca, self.broker_dir, port=self.port, bind="127.0.0.1",
                                   services_port=self.services_port, run_as=getpass.getuser())
        self.broker = start_mosquitto(conf, self.port)
        if valid:  # central subscribed again: what the terminal sends now is ingested
            assert self.worker.ready.wait(30)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    ca = tmp_path / "ca"
    issuer = pki.init_ca(ca, PASSPHRASE, BROKER_NAMES)
    key = ec.generate_private_key(ec.SECP256R1())  # a long-lived broker certificate: still valid after the jump
    cert = issuer.issue("broker", key.public_key(), 3650, server_names=BROKER_NAMES)
    (ca / "services" / "broker.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (ca / "services" / "broker.key").write_bytes(pki.private_pem(key, None))
    port, services_port, broker_dir = free_port(), free_port(), tmp_path / "broker"
    broker = start_mosquitto(write_broker_config(ca, broker_dir, port=port, bind="127.0.0.1",
                                                 services_port=services_port, run_as=getpass.getuser()), port)
    db_url = f"sqlite:///{tmp_path}/central.db"
    engine, link = make_engine(db_url), service_link(ca, "127.0.0.1", services_port)
    worker = IngestWorker(Ingest(engine, keys.load(ca / "central", PASSPHRASE), SAMPLE_ARCHIVE), link)
    enrollment = EnrollmentService(Enroller(engine, issuer), link, name="enrollment-clock")
    worker.client.reconnect_delay_set(min_delay=1, max_delay=2)
    worker.start()
    enrollment.start()
    assert worker.ready.wait(10)
    assert enrollment.ready.wait(10)
    running = Fleet(ca, port, services_port, broker_dir, broker, db_url, worker)
    yield running
    enrollment.stop()
    worker.stop()
    running.broker.terminate()
    running.broker.wait(timeout=10)


def yichuang(*args: str, env: dict[str, str], faked: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*faked, sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, check=False, env={**os.environ, **REAL_MONOTONIC, **env})


def enrolled_terminal(fleet: Fleet, target: Path) -> dict[str, str]:
    """Enroll a bare terminal through the real enrollment service; return its environment."""
    (token,) = create_tokens(make_engine(fleet.db_url), HallProfile("lc-center", "hall", "LC"), timedelta(hours=1))
    target.mkdir(parents=True)
    base = target.parent / "base.toml"
    base.write_text(f'[store]\npath = "{target / "store.db"}"\nkey_provider = "file"\n'
                    f'key_file = "{target / "store.key"}"\n')
    done = yichuang("provision", "enroll", "--token", token, "--broker", f"mqtts://127.0.0.1:{fleet.port}",
                    "--claim-dir", str(fleet.ca / "claim"), "--config-dir", str(target), "--pin", "246810",
                    "--time-file", str(target / "last-good-time"), env={"YICHUANG_CONFIG": str(base)})
    assert done.returncode == 0, done.stderr
    return {"YICHUANG_CONFIG": str(target / "terminal.toml")}


def submit_one(target: Path, n: int) -> str:
    store = open_store(target / "store.db", KeyFileProvider(target / "store.key"))
    try:
        return str(submit(store, n).id)
    finally:
        store.close()


def test_a_clock_that_jumped_four_years_ahead_once_does_not_lock_the_terminal_out(fleet: Fleet,
                                                                                   tmp_path: Path) -> None:
    target = tmp_path / "terminal"
    env = enrolled_terminal(fleet, target)
    submit_one(target, 1)
    # a bad NTP answer: four years ahead (the issuing CA lives five), the broker's long certificate still valid
    ahead = yichuang("sync", "run", "--until-drained", "--timeout", "60", env=env, faked=("faketime", "-f", "+1460d"))
    assert ahead.returncode == 0, ahead.stderr
    known = datetime.fromisoformat((target / "last-good-time").read_text())
    assert known < datetime.now(UTC) + timedelta(hours=1)  # central's signed time, not the false one

    # the clock is back; the broker gets a routine one-year certificate, long before the false date
    fleet.new_broker_certificate(pki.SERVICE_DAYS)
    application = submit_one(target, 2)
    back = yichuang("sync", "run", "--until-drained", "--timeout", "30", env=env)
    assert back.returncode == 0, back.stderr
    assert application in fleet.worker.ingest.stored_ids()


def test_a_terminal_booted_in_1970_still_refuses_a_broker_certificate_known_to_have_expired(fleet: Fleet,
                                                                                         tmp_path: Path) -> None:
    target = tmp_path / "terminal"
    env = enrolled_terminal(fleet, target)
    first = submit_one(target, 1)
    synced = yichuang("sync", "run", "--until-drained", "--timeout", "60", env=env,
                      faked=("faketime", "-f", "@1970-01-02 00:00:00"))
    assert synced.returncode == 0, synced.stderr  # learns central's signed time through its own verification
    assert first in fleet.worker.ingest.stored_ids()
    known = datetime.fromisoformat((target / "last-good-time").read_text())
    assert abs(known - datetime.now(UTC)) < timedelta(minutes=5)

    fleet.new_broker_certificate(30, faked=("faketime", "-f", "-60d"), valid=False)  # expired a month ago (an old, leaked key)
    second = submit_one(target, 2)
    refused = yichuang("sync", "run", "--until-drained", "--timeout", "8", env=env,
                       faked=("faketime", "-f", "@1970-01-02 00:00:00"))
    assert refused.returncode == 3
    assert second not in fleet.worker.ingest.stored_ids()
