"""The fleet PKI: every certificate verifies with the real OpenSSL against the chain; keys are locked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from protocol import topics
from provisioning import pki

PASSPHRASE = b"correct horse battery"


def openssl_verify(ca: Path, cert: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", "verify", "-CAfile", str(ca / "root" / "ca.pem"), "-untrusted",
                           str(ca / "issuing" / "ca.pem"), *extra, str(cert)], capture_output=True, text=True,
                          check=False)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ca") / "ca"
    pki.init_ca(directory, PASSPHRASE, ("localhost", "127.0.0.1"))
    return directory


def test_every_service_certificate_verifies_with_openssl(ca: Path) -> None:
    for cert in [*(ca / "services" / f"{s}.pem" for s in ("broker", "central", "fleet")), ca / "claim" / "claim.pem"]:
        result = openssl_verify(ca, cert)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip().endswith(": OK")


def test_each_claim_medium_has_its_own_revocable_certificate(ca: Path, tmp_path: Path) -> None:
    issuer = pki.Issuer.load(ca, PASSPHRASE)
    first = x509.load_pem_x509_certificate((ca / "claim" / "claim.pem").read_bytes())
    second_cn = pki.issue_claim_medium(issuer, tmp_path / "medium")
    first_cn = first.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert topics.CLAIM_CN.match(str(first_cn))
    assert topics.CLAIM_CN.match(second_cn)
    assert second_cn != first_cn
    assert (tmp_path / "medium" / "claim.key").stat().st_mode & 0o777 == 0o600
    assert openssl_verify(ca, tmp_path / "medium" / "claim.pem").returncode == 0
    assert issuer.revoke(second_cn) == 1
    revoked = openssl_verify(ca, tmp_path / "medium" / "claim.pem", "-crl_check", "-CRLfile",
                             str(ca / "issuing" / "crl.pem"))
    assert revoked.returncode != 0
    assert openssl_verify(ca, ca / "claim" / "claim.pem", "-crl_check", "-CRLfile",
                          str(ca / "issuing" / "crl.pem")).returncode == 0  # the other medium still works
    with pytest.raises(pki.PkiError, match="not empty"):
        pki.issue_claim_medium(issuer, tmp_path / "medium")


def test_a_terminal_certificate_verifies_and_a_revoked_one_fails_against_the_crl(ca: Path, tmp_path: Path) -> None:
    issuer = pki.Issuer.load(ca, PASSPHRASE)
    cert = issuer.issue("LC0042", ec.generate_private_key(ec.SECP256R1()).public_key(), 90)
    path = tmp_path / "LC0042.pem"
    path.write_bytes(cert.public_bytes(pki.serialization.Encoding.PEM))
    assert openssl_verify(ca, path).returncode == 0
    assert issuer.revoke("LC0042") == 1
    crl = x509.load_pem_x509_crl((ca / "issuing" / "crl.pem").read_bytes())
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None
    chain_and_crl = openssl_verify(ca, path, "-crl_check", "-CRLfile", str(ca / "issuing" / "crl.pem"))
    assert chain_and_crl.returncode != 0
    assert "revoked" in chain_and_crl.stdout + chain_and_crl.stderr


def test_private_keys_are_locked_by_the_passphrase(ca: Path) -> None:
    for name in ("root/ca.key", "issuing/ca.key", "signing/catalog.key", "central/uplink.key", "central/ack.key"):
        assert b"ENCRYPTED PRIVATE KEY" in (ca / name).read_bytes(), name
        assert (ca / name).stat().st_mode & 0o777 == 0o600
    with pytest.raises(pki.PkiError, match="wrong passphrase"):
        pki.Issuer.load(ca, b"not the passphrase")


def test_a_ca_is_never_made_over_another_or_with_a_short_passphrase(ca: Path, tmp_path: Path) -> None:
    with pytest.raises(pki.PkiError, match="not empty"):
        pki.init_ca(ca, PASSPHRASE, ("localhost",))
    with pytest.raises(pki.PkiError, match="at least 12"):
        pki.init_ca(tmp_path / "new", b"short", ("localhost",))


def test_only_p256_keys_are_certified(ca: Path) -> None:
    issuer = pki.Issuer.load(ca, PASSPHRASE)
    with pytest.raises(pki.PkiError, match="P-256"):
        issuer.issue("LC0043", ec.generate_private_key(ec.SECP384R1()).public_key(), 90)


def test_fingerprints_name_every_trust_anchor(ca: Path) -> None:
    shown = pki.fingerprints(ca)
    assert set(shown) == {"root/ca.pem", "issuing/ca.pem", "signing/catalog.pub", "signing/command.pub",
                          "central/uplink.pub", "central/ack.pub"}
    assert all(len(v.split(":")) == 32 for v in shown.values())
