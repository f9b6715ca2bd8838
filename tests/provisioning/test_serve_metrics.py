"""`provision serve --metrics`: the real enrollment service on the fleet's broker serves the CA's expiry and its counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.ports import free_port
from provisioning import pki
from tests.common import ROOT
from tests.provisioning.loopback import PASSPHRASE, LoopbackBroker, loopback_broker
from tests.scrape import scrape_when_up

DAY = 86400


@pytest.fixture
def fleet_broker(tmp_path: Path) -> Iterator[LoopbackBroker]:
    broker = loopback_broker(tmp_path)
    yield broker
    broker.stop()


def test_provision_serve_exposes_the_crls_and_service_certificates(fleet_broker: LoopbackBroker, tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    command = [sys.executable, str(ROOT / "main.py"), "provision", "serve", "--ca-dir", str(fleet_broker.ca),
               "--broker", f"mqtts://127.0.0.1:{fleet_broker.services_port}", "--db",
               f"sqlite:///{tmp_path}/central.db", "--metrics", address, "--broker-dir", str(tmp_path / "broker")]
    env = {**os.environ, "YC_CA_PASSPHRASE": PASSPHRASE.decode()}
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        families = scrape_when_up(f"http://{address}/metrics", server)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
    crls = {dict(labels)["crl"]: s for labels, s in families["yichuang_crl_next_update_seconds"].items()}
    assert sorted(crls) == ["broker", "ca"]  # the CA's, and the copy `provision broker-config` gave the broker
    assert all(pki.CRL_DAYS * DAY - 3600 < seconds <= pki.CRL_DAYS * DAY for seconds in crls.values())
    certificates = {dict(labels)["certificate"]: s for labels, s in families["yichuang_certificate_expiry_seconds"].items()}
    assert sorted(certificates) == ["broker", "central", "fleet", "issuing_ca"]
    assert all(pki.SERVICE_DAYS * DAY - 3600 < certificates[name] <= pki.SERVICE_DAYS * DAY
               for name in ("broker", "central", "fleet"))
    assert families["yichuang_enrollment_requests_dropped_total"] == {(): 0}
