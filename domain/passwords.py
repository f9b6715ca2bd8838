"""Secrets people type (technician PINs, ops passwords) stored as scrypt hashes: memory-hard, salted, self-describing.

The stored form is ``scrypt$n$r$p$salt$key`` (salt and key in base64), so the cost can be raised
later without invalidating what is stored: verification reads the parameters from the hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MAXMEM = 64 * 1024 * 1024
KEY_BYTES = 32


def hash_secret(secret: str) -> str:
    """Hash ``secret`` with scrypt and a random salt."""
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(secret.encode(), salt=salt, maxmem=MAXMEM, dklen=KEY_BYTES, **SCRYPT)
    encode = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${encode(salt).decode()}${encode(key).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    """Return whether ``secret`` matches ``stored`` (False for a malformed hash, never an exception)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key, validate=True)
        actual = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt, validate=True), n=int(n), r=int(r),
                                p=int(p), maxmem=MAXMEM, dklen=len(expected))
    except (ValueError, TypeError, OverflowError):  # malformed, or parameters scrypt refuses
        return False
    return hmac.compare_digest(actual, expected)
