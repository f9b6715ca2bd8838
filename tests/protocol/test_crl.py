"""The fleet's revocation list on a terminal: only the pinned CA's counts, the newest is kept, a listed card refused."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from protocol import crl
from protocol.techcard import CONTEXT, TechnicianCardRevoked, verify
from provisioning import pki
from provisioning.techcards import issue_technician_card, revoke_technician_card

PASSPHRASE = b"correct horse battery"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


def _crl_bytes(issuer: pki.Issuer) -> bytes:
    return (issuer.directory / "issuing" / "crl.pem").read_bytes()


def _card(issuer: pki.Issuer, folder: Path, technician: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    issue_technician_card(issuer, technician, folder)
    key = serialization.load_pem_private_key((folder / "card.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key, x509.load_pem_x509_certificate((folder / "card.pem").read_bytes())


def _proof(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> tuple[bytes, bytes, bytes]:
    challenge = secrets.token_bytes(32)
    der = cert.public_bytes(serialization.Encoding.DER)
    return der, key.sign(CONTEXT + challenge, ec.ECDSA(hashes.SHA256())), challenge


def test_a_revoked_card_is_refused_and_the_technicians_other_card_still_opens(issuer: pki.Issuer,
                                                                             tmp_path: Path) -> None:
    lost_key, lost = _card(issuer, tmp_path / "lost", "T0011")
    kept_key, kept = _card(issuer, tmp_path / "kept", "T0011")
    before = crl.open_crl(_crl_bytes(issuer), issuer.cert)
    assert verify(*_proof(lost_key, lost), issuer.cert, datetime.now(UTC), crl=before) == "T0011"
    with pytest.raises(pki.PkiError, match="tech-T0011 holds 2 cards"):
        revoke_technician_card(issuer, "T0011", set())  # by name alone it would cut off the replacement too
    lost_serial = format(lost.serial_number, "x")
    assert revoke_technician_card(issuer, "T0011", {lost_serial.upper()}) == ("tech-T0011", [lost_serial])
    after = crl.open_crl(_crl_bytes(issuer), issuer.cert)
    assert crl.order(after) > crl.order(before)
    with pytest.raises(TechnicianCardRevoked, match="revoked"):
        verify(*_proof(lost_key, lost), issuer.cert, datetime.now(UTC), crl=after)
    assert verify(*_proof(kept_key, kept), issuer.cert, datetime.now(UTC), crl=after) == "T0011"
    assert crl.revoked(after, lost.serial_number)
    assert not crl.revoked(after, kept.serial_number)


def test_every_card_of_a_technician_goes_with_all(issuer: pki.Issuer, tmp_path: Path) -> None:
    _, first = _card(issuer, tmp_path / "first", "T0012")
    _, second = _card(issuer, tmp_path / "second", "T0012")
    cn, revoked = revoke_technician_card(issuer, "T0012", set(), every_card=True)
    assert (cn, sorted(revoked)) == ("tech-T0012", sorted(format(c.serial_number, "x") for c in (first, second)))
    listed = crl.open_crl(_crl_bytes(issuer), issuer.cert)
    assert crl.revoked(listed, first.serial_number)
    assert crl.revoked(listed, second.serial_number)


def test_a_crl_signed_while_the_ca_clock_ran_ahead_does_not_hide_the_next(
        issuer: pki.Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pki, "_now", lambda: datetime(2030, 1, 1, tzinfo=UTC))
    ahead = issuer.write_crl()
    monkeypatch.undo()
    corrected = issuer.write_crl()
    assert corrected.last_update_utc < ahead.last_update_utc
    assert crl.order(corrected) > crl.order(ahead)  # the CA's number still grew: terminals take the correction


def test_revoking_nothing_or_a_malformed_serial_is_an_error(issuer: pki.Issuer) -> None:
    with pytest.raises(pki.PkiError, match="no card certificate of tech-NOBODY"):
        revoke_technician_card(issuer, "NOBODY", set())
    with pytest.raises(pki.PkiError, match="in hex"):
        revoke_technician_card(issuer, "T0011", {"not-hex"})
    with pytest.raises(pki.PkiError, match="technician id"):
        revoke_technician_card(issuer, "../x", set())


def test_the_same_crl_reads_as_pem_and_der_and_another_fleets_is_refused(issuer: pki.Issuer, tmp_path: Path) -> None:
    pem = _crl_bytes(issuer)
    der = x509.load_pem_x509_crl(pem).public_bytes(serialization.Encoding.DER)
    assert crl.order(crl.open_crl(pem, issuer.cert)) == crl.order(crl.open_crl(der, issuer.cert))
    other = pki.init_ca(tmp_path / "other", PASSPHRASE, ("localhost",))
    with pytest.raises(crl.CrlError, match="not signed by this fleet's issuing CA"):
        crl.open_crl(_crl_bytes(other), issuer.cert)
    with pytest.raises(crl.CrlError, match="empty or over"):
        crl.open_crl(b"0" * (crl.MAX_CRL + 1), issuer.cert)


def test_a_crl_signed_by_another_key_under_this_cas_name_is_refused(issuer: pki.Issuer) -> None:
    forger = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    forged = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject).last_update(now)
              .next_update(now).sign(forger, hashes.SHA256()))
    with pytest.raises(crl.CrlError, match="not signed"):
        crl.open_crl(forged.public_bytes(serialization.Encoding.DER), issuer.cert)


def test_the_held_crl_is_none_when_missing_or_not_this_fleets(issuer: pki.Issuer, tmp_path: Path) -> None:
    held = tmp_path / "crl.pem"
    assert crl.held(held, issuer.cert) is None
    held.write_bytes(b"garbage")
    assert crl.held(held, issuer.cert) is None
    held.write_bytes(_crl_bytes(issuer))
    assert crl.held(held, None) is None
    assert crl.held(held, issuer.cert) is not None


@given(st.binary(max_size=2048))
def test_any_bytes_are_a_crl_or_a_crl_error(data: bytes) -> None:
    with pytest.raises(crl.CrlError):
        crl.open_crl(data, _FUZZ_CA)  # random bytes are never a CRL this CA signed


@given(st.integers(0, 400), st.binary(min_size=1, max_size=8))
def test_a_damaged_crl_is_refused_with_a_crl_error(offset: int, junk: bytes) -> None:
    der = bytearray(_FUZZ_CRL)
    der[offset % len(der):offset % len(der) + len(junk)] = junk
    try:
        opened = crl.open_crl(bytes(der), _FUZZ_CA)
    except crl.CrlError:
        return
    assert crl.revoked(opened, 7)  # whatever still verifies says what the CA signed


def _fuzz_fleet() -> tuple[x509.Certificate, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "fuzz CA")])
    now = datetime.now(UTC)
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(now).sign(key, hashes.SHA256()))
    revoked = x509.RevokedCertificateBuilder().serial_number(7).revocation_date(now).build()
    listed = (x509.CertificateRevocationListBuilder().issuer_name(name).last_update(now).next_update(now)
              .add_revoked_certificate(revoked).add_extension(x509.CRLNumber(1), critical=False).sign(key, hashes.SHA256()))
    return ca, listed.public_bytes(serialization.Encoding.DER)


_FUZZ_CA, _FUZZ_CRL = _fuzz_fleet()
