"""The terminal's device key at rest: encrypted under the store's key-encryption key.

The device key (TLS client authentication, envelope signatures) is made on the terminal and
never leaves it. Its PEM file is encrypted with a password derived from the store's KEK, so it
is exactly as safe as the store: sealed by the TPM when the store uses the TPM provider, behind
a mode-600 key file otherwise.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def key_password(kek: bytes) -> str:
    """Derive the device key's PEM password from the store's KEK (one-way: it reveals nothing of the KEK)."""
    derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"yichuang device key v1").derive(kek)
    return base64.urlsafe_b64encode(derived).decode("ascii")


def is_encrypted(path: Path) -> bool:
    """Return whether a PEM private key file is encrypted."""
    return b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
