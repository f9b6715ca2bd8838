"""The keys a terminal's sync agent needs: its own signing key and central's two public keys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519


class KeyFileError(ValueError):
    """A key file that cannot be used (wrong kind, or a password that does not open it)."""


@dataclass(frozen=True)
class TerminalKeys:
    """The terminal's ECDSA P-256 key (its certificate's) and central's public keys."""

    signer: ec.EllipticCurvePrivateKey
    central: x25519.X25519PublicKey  # envelopes are encrypted to it
    acks: ed25519.Ed25519PublicKey  # acks must be signed by it


def load_terminal_keys(signer: Path, central: Path, acks: Path, password: str | None = None) -> TerminalKeys:
    """Load the three keys from PEM files; raise ValueError naming a file of the wrong kind or a wrong password."""
    try:
        secret = password.encode() if password else None
        private = serialization.load_pem_private_key(signer.read_bytes(), password=secret)
    except (TypeError, ValueError):
        raise KeyFileError(f"{signer} is encrypted and the store's key does not open it") from None
    uplink = serialization.load_pem_public_key(central.read_bytes())
    ack = serialization.load_pem_public_key(acks.read_bytes())
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(private.curve, ec.SECP256R1):
        raise KeyFileError(f"{signer} is not an ECDSA P-256 private key")
    if not isinstance(uplink, x25519.X25519PublicKey):
        raise KeyFileError(f"{central} is not central's X25519 public key")
    if not isinstance(ack, ed25519.Ed25519PublicKey):
        raise KeyFileError(f"{acks} is not central's Ed25519 public key")
    return TerminalKeys(private, uplink, ack)
