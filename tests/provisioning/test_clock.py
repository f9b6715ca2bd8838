"""Trusted time and broker verification at it, for terminals whose clock is wrong."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from demo.devstack import ScratchPki
from protocol.clock import EPOCH, TrustedClock, verify_broker
from provisioning import pki

NINETEEN_SEVENTY = datetime(1970, 1, 2, tzinfo=UTC)


def test_a_1970_system_clock_is_recognised_and_raised_to_what_is_known(tmp_path: Path) -> None:
    clock = TrustedClock(tmp_path / "last-good-time", system=lambda: NINETEEN_SEVENTY)
    assert clock.system_is_wrong()
    assert clock.now() == EPOCH  # nothing learnt yet: the software's own epoch is the floor
    central_time = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    clock.observe(central_time)
    assert clock.now() == central_time
    clock.observe(central_time - timedelta(days=1))  # time never goes back
    assert TrustedClock(tmp_path / "last-good-time").last_known_good() == central_time


def test_a_sane_clock_is_left_alone(tmp_path: Path) -> None:
    clock = TrustedClock(tmp_path / "t")
    assert not clock.system_is_wrong()
    (tmp_path / "t").write_text("not a time")
    assert clock.last_known_good() == EPOCH


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ca") / "ca"
    pki.init_ca(directory, b"correct horse battery", ("broker.example", "127.0.0.1"))
    return directory


def broker_der(ca: Path) -> bytes:
    cert = pki.x509.load_pem_x509_certificate((ca / "services" / "broker.pem").read_bytes())
    return cert.public_bytes(serialization.Encoding.DER)


def test_the_broker_verifies_at_the_trusted_time_by_name_and_chain(ca: Path, tmp_path: Path) -> None:
    der, chain = broker_der(ca), ca / "chain.pem"
    verify_broker(der, "127.0.0.1", chain, EPOCH)  # before the certificate started: it counts from its start
    verify_broker(der, "broker.example", chain, datetime.now(UTC))
    with pytest.raises(ssl.SSLCertVerificationError):
        verify_broker(der, "evil.example", chain, datetime.now(UTC))
    with pytest.raises(ssl.SSLCertVerificationError):
        verify_broker(der, "127.0.0.1", chain, datetime.now(UTC) + timedelta(days=400))  # known to have expired
    foreign = ScratchPki(tmp_path / "foreign").ca_path
    with pytest.raises(ssl.SSLCertVerificationError):
        verify_broker(der, "127.0.0.1", foreign, datetime.now(UTC))


def test_a_client_certificate_is_not_a_broker(ca: Path) -> None:
    issuer = pki.Issuer.load(ca, b"correct horse battery")
    client = issuer.issue("LC0099", ec.generate_private_key(ec.SECP256R1()).public_key(), 90)
    with pytest.raises(ssl.SSLCertVerificationError):
        verify_broker(client.public_bytes(serialization.Encoding.DER), "127.0.0.1", ca / "chain.pem",
                      datetime.now(UTC))
