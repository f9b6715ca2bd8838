"""Private keys encrypted at rest with a strong KDF: PKCS#8 PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC.

cryptography's ``BestAvailableEncryption`` writes PBES2 with PBKDF2 at only 2,048 iterations,
which a stolen CA directory lets an attacker guess the passphrase against cheaply. OWASP's
Password Storage Cheat Sheet (2023) recommends PBKDF2-HMAC-SHA256 with at least 600,000
iterations; ``ITERATIONS`` follows it. The file is standard PKCS#8 (RFC 5958, PBES2 of RFC 8018):
cryptography and ``openssl pkey`` read it back, and keys written before still load unchanged.
(A memory-hard scrypt PBES2 would exceed OpenSSL's 32 MiB scrypt limit at OWASP's parameters.)
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

ITERATIONS = 600_000  # OWASP Password Storage Cheat Sheet, 2023: PBKDF2-HMAC-SHA256 >= 600,000
PBES2 = bytes.fromhex("06092a864886f70d01050d")  # 1.2.840.113549.1.5.13
PBKDF2 = bytes.fromhex("06092a864886f70d01050c")  # 1.2.840.113549.1.5.12
HMAC_SHA256 = bytes.fromhex("06082a864886f70d02090500")  # 1.2.840.113549.2.9, NULL parameters
AES256_CBC = bytes.fromhex("060960864801650304012a")  # 2.16.840.1.101.3.4.1.42
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey


def _tlv(tag: int, content: bytes) -> bytes:
    """Encode one DER element."""
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


def _sequence(*parts: bytes) -> bytes:
    """Encode a DER SEQUENCE of already encoded elements."""
    return _tlv(0x30, b"".join(parts))


def _integer(value: int) -> bytes:
    """Encode a non-negative DER INTEGER."""
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def encrypted_pem(key: PrivateKey, passphrase: bytes, iterations: int = ITERATIONS) -> bytes:
    """Serialize ``key`` as an encrypted PKCS#8 PEM (EncryptedPrivateKeyInfo) under ``passphrase``."""
    plain = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    salt, iv = os.urandom(16), os.urandom(16)
    secret = PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(passphrase)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
    kdf = _sequence(PBKDF2, _sequence(_tlv(0x04, salt), _integer(iterations), _sequence(HMAC_SHA256)))
    scheme = _sequence(AES256_CBC, _tlv(0x04, iv))
    der = _sequence(_sequence(PBES2, _sequence(kdf, scheme)), _tlv(0x04, sealed))
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return ("-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + "\n".join(lines)
            + "\n-----END ENCRYPTED PRIVATE KEY-----\n").encode()
