"""The device key's PEM password: derived from the store's device secret, so the key is as safe as the store.

The device key (TLS client authentication, envelope signatures) is made on the terminal and
never leaves it. Its PEM file is encrypted with a password derived from the store's device
secret (`Store.device_secret`), which the store's KEK wraps: the device key is exactly as safe
as the store (sealed by the TPM when the store uses the TPM provider), and a key rotation,
which rewraps every data key, leaves it readable. The sync agent and the kiosk's self-test both
open it.
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def key_password(secret: bytes) -> str:
    """Derive the device key's PEM password from the store's device secret (one-way)."""
    derived = HKDF(hashes.SHA256(), 32, salt=None, info=b"yichuang device key v1").derive(secret)
    return base64.urlsafe_b64encode(derived).decode("ascii")


def is_encrypted(path: Path) -> bool:
    """Return whether a PEM private key file is encrypted."""
    return b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
