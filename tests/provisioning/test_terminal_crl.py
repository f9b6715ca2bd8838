"""A revoked technician card reaches every terminal: `provision technician-card revoke` → broker → the sync agent's CRL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509

from protocol import crl, topics
from protocol.link import tls_client
from provisioning import pki
from provisioning.service import service_link
from provisioning.techcards import issue_technician_card
from tests.common import ROOT
from tests.provisioning.test_enrollment_flow import PASSPHRASE, Fleet, publish_as, yichuang
from tests.provisioning.test_rotation import enrolled


def _until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@contextmanager
def heartbeats(fleet: Fleet) -> Iterator[list[dict[str, object]]]:
    """Collect LC0001's heartbeats as the fleet monitor's identity receives them."""
    link = service_link(fleet.ca, "127.0.0.1", fleet.services_port, identity="fleet")
    client, received = tls_client("fleet:crl-test", link), []
    client.on_message = lambda c, u, m: received.append(json.loads(m.payload))
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.telemetry("LC0001"), qos=0)
    client.connect(link.host, link.port)
    client.loop_start()
    try:
        yield received
    finally:
        client.loop_stop()
        client.disconnect()


def test_a_revoked_card_reaches_the_running_terminal_and_only_central_may_publish_the_list(
        fleet: Fleet, tmp_path: Path) -> None:
    fleet.enrollment.crl.every = 0.2  # the service looks at the CA's CRL file every 30 s in production
    terminal_dir = enrolled(fleet, tmp_path)
    issue_technician_card(pki.Issuer.load(fleet.ca, PASSPHRASE), "T0021", tmp_path / "card")
    card = x509.load_pem_x509_certificate((tmp_path / "card" / "card.pem").read_bytes())
    ca = x509.load_pem_x509_certificates((terminal_dir / "pki" / "ca.pem").read_bytes())[0]
    held = terminal_dir / "crl.pem"  # beside the last good time, as `[sync] crl_file` defaults
    config = terminal_dir / "terminal.toml"
    text = config.read_text()
    assert "heartbeat_s = 30\n" in text
    config.write_text(text.replace("heartbeat_s = 30\n", "heartbeat_s = 5\n"))  # a heartbeat soon after the CRL
    with heartbeats(fleet) as beats:
        agent = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "sync", "run"], cwd=ROOT,
                                 env={**os.environ, "YICHUANG_CONFIG": str(config)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _until(lambda: crl.held(held, ca) is not None, "the retained CRL at the agent's connection")
            assert not crl.revoked(crl.held(held, ca), card.serial_number)
            done = yichuang("provision", "technician-card", "revoke", "--ca-dir", str(fleet.ca), "--technician",
                            "T0021", env={"YC_CA_PASSPHRASE": PASSPHRASE.decode()})
            assert done.returncode == 0, done.stderr
            assert "revoked tech-T0021: 1 card certificate in the CRL" in done.stdout
            _until(lambda: crl.revoked(crl.held(held, ca), card.serial_number), "the new CRL on the terminal")
            newest = _signed(held, ca)
            _until(lambda: any(b.get("crl_updated") == newest for b in beats), "a heartbeat naming the new CRL")
        finally:
            agent.terminate()
            _, errors = agent.communicate(timeout=30)
    assert agent.returncode == 0, errors
    assert publish_as(terminal_dir, fleet.port, topics.CRL).getName() == "Not authorized"


def _signed(held: Path, ca: x509.Certificate) -> str:
    kept = crl.held(held, ca)
    assert kept is not None
    return kept.last_update_utc.isoformat()
