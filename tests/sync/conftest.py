"""Fixtures of the sync tests: the downlink fleet (tests/sync/downlink.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central.platform import keys
from protocol.link import Link, with_login
from provisioning import pki
from tests.provisioning.loopback import PASSPHRASE, loopback_broker
from tests.sync.downlink import Downlink
from tests.sync.fleet import fleet  # noqa: F401 - the live command tests' fixture, for every sync test


@pytest.fixture
def downlink(tmp_path: Path) -> Iterator[Downlink]:
    """The fleet's broker, central's link and signing keys, and LC0001's certificate."""
    loop = loopback_broker(tmp_path)
    ca = loop.ca
    central = with_login(Link("127.0.0.1", loop.services_port, str(ca / "chain.pem"),
                              str(ca / "services" / "central.pem"), str(ca / "services" / "central.key")), "central")
    terminal_key = ec.generate_private_key(ec.SECP256R1())
    cert = loop.issuer.issue("LC0001", terminal_key.public_key(), 7)
    (tmp_path / "t.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "t.key").write_bytes(pki.private_pem(terminal_key, None))
    terminal = Link("127.0.0.1", loop.port, str(ca / "chain.pem"), str(tmp_path / "t.pem"), str(tmp_path / "t.key"))
    key = keys.load_signing(ca / "signing" / "catalog.key", PASSPHRASE)
    command_key = keys.load_signing(ca / "signing" / "command.key", PASSPHRASE)
    yield Downlink(loop, central, key, command_key, terminal_key, tmp_path / "archive", terminal, tmp_path)
    loop.stop()
