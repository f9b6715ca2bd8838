"""Envelope encryption: per-record AES-256-GCM data keys wrapped by a key-encryption key.

Every ciphertext is bound by its associated data to the table, row id and column it belongs
to, so a ciphertext copied into another row or column fails to decrypt.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = b"\x01"


class DecryptionFailed(Exception):
    """A ciphertext that is damaged, was moved, or belongs to another key."""


def new_key() -> bytes:
    """Return a fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def bind(table: str, row_id: str, column: str) -> bytes:
    """Return the associated data that ties a ciphertext to one cell."""
    return f"yc1|{table}|{row_id}|{column}".encode()


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``: version byte, nonce, ciphertext and tag."""
    return seal_with(AESGCM(key), plaintext, aad)


def seal_with(cipher: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    """Seal with a cipher already built for its key (one record's content and receipt share it)."""
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + cipher.encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    """Decrypt a ``seal`` output; raise DecryptionFailed if anything does not match."""
    return open_with(AESGCM(key), blob, aad)


def open_with(cipher: AESGCM, blob: bytes, aad: bytes) -> bytes:
    """Decrypt a ``seal`` output with a cipher already built for its key (the key-encryption key's, kept)."""
    if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != VERSION:
        raise DecryptionFailed("not a sealed value of a known version")
    try:
        return cipher.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise DecryptionFailed("authentication failed (wrong key, moved or damaged)") from None


def key_id(kek: bytes) -> str:
    """Return a public identifier of a key-encryption key (reveals nothing about it)."""
    return hmac.new(kek, b"yichuang kek id", hashlib.sha256).hexdigest()[:16]
