"""Central's two keys: X25519 to open uplink envelopes, Ed25519 to sign acks.

`yichuang provision ca init` makes them in ``<ca>/central``, encrypted with the CA passphrase, and
enrollment hands terminals their public halves (`uplink.pub`, `ack.pub`); `yichuang central init`
makes unencrypted ones for a development stack. A service unlocks encrypted ones with the
passphrase from ``--passphrase-file``, systemd's ``$CREDENTIALS_DIRECTORY/central-keys-passphrase``
(``LoadCredential=``) or ``$YC_CA_PASSPHRASE``, in that order: never from its command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

UPLINK, ACK = "uplink", "ack"
PASSPHRASE_ENV = "YC_CA_PASSPHRASE"  # noqa: S105 - the name of the variable, not a secret
CREDENTIAL = "central-keys-passphrase"
MAX_PASSPHRASE = 1024
HOW = f"--passphrase-file, LoadCredential={CREDENTIAL} or ${PASSPHRASE_ENV}"


class CentralKeyError(ValueError):
    """Central's keys cannot be opened as given (the message says why and how)."""


@dataclass(frozen=True)
class CentralKeys:
    """The private keys the ingest workers use."""

    uplink: x25519.X25519PrivateKey
    ack: ed25519.Ed25519PrivateKey


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write a file with ``mode`` from the start, never overwriting one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def generate(directory: Path) -> CentralKeys:
    """Create both key pairs in ``directory`` (refusing to replace existing ones)."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = CentralKeys(x25519.X25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate())
    for name, key in ((UPLINK, keys.uplink), (ACK, keys.ack)):
        private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        _write(directory / f"{name}.key", private, 0o600)
        _write(directory / f"{name}.pub", public, 0o644)
    return keys


def passphrase(file: Path | None, environ: Mapping[str, str]) -> bytes | None:
    """Return the keys' passphrase from ``file``, systemd's credential or the environment; None if none is given."""
    if file is None and environ.get("CREDENTIALS_DIRECTORY"):
        credential = Path(environ["CREDENTIALS_DIRECTORY"]) / CREDENTIAL
        file = credential if credential.is_file() else None
    if file is not None:
        with file.open("rb") as handle:
            data = handle.read(MAX_PASSPHRASE + 1)
        if len(data) > MAX_PASSPHRASE:
            raise CentralKeyError(f"{file} is not a passphrase (more than {MAX_PASSPHRASE} bytes)")
        return data.rstrip(b"\r\n") or None
    given = environ.get(PASSPHRASE_ENV)
    return given.encode() if given else None


def _private(path: Path, passphrase: bytes | None) -> object:
    """Load one private key, with ``passphrase`` only when the file is encrypted."""
    data = path.read_bytes()
    encrypted = b"-----BEGIN ENCRYPTED PRIVATE KEY-----" in data
    if encrypted and passphrase is None:
        raise CentralKeyError(f"{path} is encrypted: give the CA passphrase ({HOW})")
    try:
        return serialization.load_pem_private_key(data, password=passphrase if encrypted else None)
    except (TypeError, ValueError):
        raise CentralKeyError(f"{path}: wrong passphrase, or not a private key") from None


def load(directory: Path, passphrase: bytes | None = None) -> CentralKeys:
    """Load both private keys from ``directory`` (encrypted ones with ``passphrase``, as `provision ca init` makes)."""
    uplink, ack = _private(directory / f"{UPLINK}.key", passphrase), _private(directory / f"{ACK}.key", passphrase)
    if not isinstance(uplink, x25519.X25519PrivateKey) or not isinstance(ack, ed25519.Ed25519PrivateKey):
        raise CentralKeyError(f"{directory} does not hold central's X25519 and Ed25519 keys")
    return CentralKeys(uplink, ack)


def load_signing(path: Path, passphrase: bytes | None = None) -> ed25519.Ed25519PrivateKey:
    """Load an Ed25519 signing key (``<ca>/signing/catalog.key`` or ``command.key``)."""
    key = _private(path, passphrase)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise CentralKeyError(f"{path} is not an Ed25519 signing key")
    return key
