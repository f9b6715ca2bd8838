"""A revoked technician card reaches every terminal: `provision technician-card revoke` → broker → the sync agent's CRL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography import x509

from protocol import crl, topics
from provisioning import pki
from provisioning.techcards import issue_technician_card
from tests.common import ROOT
from tests.provisioning.test_enrollment_flow import PASSPHRASE, Fleet, publish_as, yichuang
from tests.provisioning.test_rotation import enrolled


def _until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_revoked_card_reaches_the_running_terminal_and_only_central_may_publish_the_list(
        fleet: Fleet, tmp_path: Path) -> None:
    fleet.enrollment.crl.every = 0.2  # the service looks at the CA's CRL file every 30 s in production
    terminal_dir = enrolled(fleet, tmp_path)
    issue_technician_card(pki.Issuer.load(fleet.ca, PASSPHRASE), "T0021", tmp_path / "card")
    card = x509.load_pem_x509_certificate((tmp_path / "card" / "card.pem").read_bytes())
    ca = x509.load_pem_x509_certificates((terminal_dir / "pki" / "ca.pem").read_bytes())[0]
    held = terminal_dir / "crl.pem"  # beside the last good time, as `[sync] crl_file` defaults
    agent = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "sync", "run"], cwd=ROOT,
                             env={**os.environ, "YICHUANG_CONFIG": str(terminal_dir / "terminal.toml")},
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _until(lambda: crl.held(held, ca) is not None, "the retained CRL at the agent's connection")
        assert not crl.revoked(crl.held(held, ca), card.serial_number)
        done = yichuang("provision", "technician-card", "revoke", "--ca-dir", str(fleet.ca), "--technician", "T0021",
                        env={"YC_CA_PASSPHRASE": PASSPHRASE.decode()})
        assert done.returncode == 0, done.stderr
        assert "revoked tech-T0021: 1 card certificate in the CRL" in done.stdout
        _until(lambda: crl.revoked(crl.held(held, ca), card.serial_number), "the new CRL on the terminal")
    finally:
        agent.terminate()
        _, errors = agent.communicate(timeout=30)
    assert agent.returncode == 0, errors
    assert publish_as(terminal_dir, fleet.port, topics.CRL).getName() == "Not authorized"
