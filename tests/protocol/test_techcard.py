"""A technician card's proof: what the terminal accepts, and every way it refuses one."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import example, given
from hypothesis import strategies as st

from protocol.techcard import CONTEXT, TechnicianCardError, verify
from provisioning import pki
from provisioning.techcards import issue_technician_card

PASSPHRASE = b"correct horse battery"
Card = tuple[ec.EllipticCurvePrivateKey, bytes]


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


@pytest.fixture(scope="module")
def card(issuer: pki.Issuer, tmp_path_factory: pytest.TempPathFactory) -> Card:
    folder = tmp_path_factory.mktemp("card") / "card"
    issue_technician_card(issuer, "T0007", folder, days=30)
    key = serialization.load_pem_private_key((folder / "card.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    cert = x509.load_pem_x509_certificate((folder / "card.pem").read_bytes())
    return key, cert.public_bytes(serialization.Encoding.DER)


def _signed(key: ec.EllipticCurvePrivateKey, challenge: bytes) -> bytes:
    return key.sign(CONTEXT + challenge, ec.ECDSA(hashes.SHA256()))


def test_a_card_signing_this_challenge_names_its_technician(card: Card, issuer: pki.Issuer) -> None:
    key, der = card
    challenge = secrets.token_bytes(32)
    assert verify(der, _signed(key, challenge), challenge, issuer.cert, datetime.now(UTC)) == "T0007"


def test_a_replayed_signature_an_expired_card_and_another_fleets_card_are_refused(
        card: Card, issuer: pki.Issuer, tmp_path: Path) -> None:
    key, der = card
    old = secrets.token_bytes(32)
    with pytest.raises(TechnicianCardError, match="did not sign this terminal's challenge"):
        verify(der, _signed(key, old), secrets.token_bytes(32), issuer.cert, datetime.now(UTC))
    with pytest.raises(TechnicianCardError, match="not valid now"):
        verify(der, _signed(key, old), old, issuer.cert, datetime.now(UTC) + timedelta(days=31))
    other = pki.init_ca(tmp_path / "other", PASSPHRASE, ("localhost",))
    with pytest.raises(TechnicianCardError, match="not issued by this fleet's CA"):
        verify(der, _signed(key, old), old, other.cert, datetime.now(UTC))


def test_a_technician_id_must_be_a_plain_code(issuer: pki.Issuer, tmp_path: Path) -> None:
    with pytest.raises(pki.PkiError, match="technician id"):
        issue_technician_card(issuer, "T0007\nCN=admin", tmp_path / "bad")


@given(st.binary(max_size=5000), st.binary(max_size=100))
def test_any_bytes_from_a_card_are_a_technician_card_error(issuer: pki.Issuer, der: bytes, signature: bytes) -> None:
    with pytest.raises(TechnicianCardError):
        verify(der, signature, b"\x00" * 32, issuer.cert, datetime.now(UTC))


@given(st.integers(min_value=0), st.integers(min_value=1, max_value=255))
@example(where=12, flip=1)  # the version byte: InvalidVersion escaped the parser before the fix
def test_a_genuine_certificate_with_a_byte_changed_is_refused_or_still_what_the_ca_signed(
        card: Card, issuer: pki.Issuer, where: int, flip: int) -> None:
    key, der = card
    damaged = bytearray(der)
    damaged[where % len(der)] ^= flip
    challenge = secrets.token_bytes(32)
    try:
        technician = verify(bytes(damaged), _signed(key, challenge), challenge, issuer.cert, datetime.now(UTC))
    except TechnicianCardError:
        return
    signed = x509.load_der_x509_certificate(der).tbs_certificate_bytes  # e.g. the signature's unused-bits byte
    assert x509.load_der_x509_certificate(bytes(damaged)).tbs_certificate_bytes == signed
    assert technician == "T0007"
