"""#21 finding 14: the CA's and central's private keys are encrypted with a strong KDF, and old keys still load."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from central.platform import keys
from provisioning import pki

PASSPHRASE = b"correct horse battery"
ENCRYPTED = ("root/ca.key", "issuing/ca.key", "signing/catalog.key", "signing/command.key", "central/uplink.key",
             "central/ack.key")


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kdf") / "ca"
    pki.init_ca(directory, PASSPHRASE, ("localhost",))
    return directory


def kdf_of(path: Path) -> tuple[list[str], int]:
    """Return the algorithm names and the PBKDF2 iteration count of an encrypted PKCS#8 file, as OpenSSL reads it."""
    parsed = subprocess.run(["openssl", "asn1parse", "-in", str(path)], capture_output=True, text=True, check=True)
    names = re.findall(r"OBJECT\s+:(\S+)", parsed.stdout)
    (count,) = re.findall(r"prim: INTEGER\s+:([0-9A-F]+)", parsed.stdout)
    return names, int(count, 16)


def test_every_encrypted_key_uses_pbkdf2_sha256_at_600000_iterations_or_more(ca: Path) -> None:
    for name in ENCRYPTED:
        names, iterations = kdf_of(ca / name)
        assert names[:2] == ["PBES2", "PBKDF2"], name
        assert "hmacWithSHA256" in names, names
        assert "aes-256-cbc" in names, names
        assert iterations >= 600_000, f"{name}: {iterations} iterations"  # cryptography's default is 2,048


def test_openssl_opens_the_keys_with_the_passphrase_and_not_without(ca: Path) -> None:
    key = ca / "issuing" / "ca.key"
    opened = subprocess.run(["openssl", "pkey", "-in", str(key), "-passin", f"pass:{PASSPHRASE.decode()}", "-noout"],
                            capture_output=True, text=True, check=False)
    assert opened.returncode == 0, opened.stderr
    wrong = subprocess.run(["openssl", "pkey", "-in", str(key), "-passin", "pass:not the passphrase", "-noout"],
                           capture_output=True, text=True, check=False)
    assert wrong.returncode != 0
    assert pki.Issuer.load(ca, PASSPHRASE).key.public_key() == pki.Issuer.load(ca, PASSPHRASE).cert.public_key()
    loaded = keys.load(ca / "central", PASSPHRASE)
    assert pki.public_pem(loaded.uplink) == (ca / "central" / "uplink.pub").read_bytes()


def test_keys_written_before_with_2048_iterations_still_load(ca: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    for part in ("issuing", "central"):
        (old / part).mkdir(parents=True)
    issuing = pki.load_private(ca / "issuing" / "ca.key", PASSPHRASE)
    assert isinstance(issuing, ec.EllipticCurvePrivateKey)
    (old / "issuing" / "ca.pem").write_bytes((ca / "issuing" / "ca.pem").read_bytes())
    legacy = serialization.BestAvailableEncryption(PASSPHRASE)
    (old / "issuing" / "ca.key").write_bytes(issuing.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, legacy))
    assert kdf_of(old / "issuing" / "ca.key")[1] == 2048
    assert pki.Issuer.load(old, PASSPHRASE).key.private_numbers() == issuing.private_numbers()
    current = keys.load(ca / "central", PASSPHRASE)
    for name, key in (("uplink", current.uplink), ("ack", current.ack)):
        (old / "central" / f"{name}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, legacy))
    assert pki.public_pem(keys.load(old / "central", PASSPHRASE).ack) == (ca / "central" / "ack.pub").read_bytes()
