"""Central's two keys: X25519 to open uplink envelopes, Ed25519 to sign acks.

`yichuang central init` makes them; terminals get the two public halves (`uplink.pub`,
`ack.pub`). The provisioning issue moves them under the CA's passphrase-protected layout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

UPLINK, ACK = "uplink", "ack"


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


def load(directory: Path, passphrase: bytes | None = None) -> CentralKeys:
    """Load both private keys from ``directory`` (encrypted ones with ``passphrase``, as `provision ca init` makes)."""
    try:
        uplink = serialization.load_pem_private_key((directory / f"{UPLINK}.key").read_bytes(), password=passphrase)
        ack = serialization.load_pem_private_key((directory / f"{ACK}.key").read_bytes(), password=passphrase)
    except (TypeError, ValueError):
        raise ValueError(f"{directory}: central's keys need the right passphrase (YC_CA_PASSPHRASE)") from None
    if not isinstance(uplink, x25519.X25519PrivateKey) or not isinstance(ack, ed25519.Ed25519PrivateKey):
        raise ValueError(f"{directory} does not hold central's X25519 and Ed25519 keys")
    return CentralKeys(uplink, ack)
