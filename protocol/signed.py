"""Signed JSON documents central sends terminals (catalog releases, commands): one canonical text, one signature.

Wire format: ``{"v": 1, "<field>": "<canonical JSON text>", "sig": "<base64 Ed25519>"}``; the
signature covers a per-kind ``context`` line followed by the UTF-8 bytes of the text, so a
signature made for one kind of document never verifies as another. Nothing inside the text is
read before the signature verifies; objects with a repeated key are refused at every level.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

VERSION = 1


class SignedError(ValueError):
    """A document refused before it was read; ``reason`` is a stable code (bad_signature, malformed)."""

    def __init__(self, reason: str, message: str) -> None:
        """Keep a stable ``reason`` code and the message."""
        super().__init__(message)
        self.reason = reason


def canonical(data: dict[str, Any]) -> bytes:
    """Serialize one way only: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _strict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise SignedError("malformed", f"the document repeats the field {name!r}")
        result[name] = value
    return result


def strict_object(text: str | bytes) -> dict[str, Any]:
    """Parse a JSON object with no repeated keys (the caller bounds the size first)."""
    try:
        data = json.loads(text, object_pairs_hook=_strict)
    except SignedError:
        raise
    except (ValueError, RecursionError):
        raise SignedError("malformed", "the document is not JSON") from None
    if not isinstance(data, dict):
        raise SignedError("malformed", "the document is not a JSON object")
    return data


def sign(field: str, data: dict[str, Any], context: bytes, key: ed25519.Ed25519PrivateKey) -> bytes:
    """Return ``data`` as a signed document with its canonical text under ``field``."""
    body = canonical(data)
    signature = base64.b64encode(key.sign(context + body)).decode()
    return json.dumps({"v": VERSION, field: body.decode(), "sig": signature}).encode()


def verified(payload: bytes, field: str, context: bytes, key: ed25519.Ed25519PublicKey, limit: int) -> dict[str, Any]:
    """Return the signed object in ``payload`` once its signature verifies against ``key``."""
    if len(payload) > limit:
        raise SignedError("malformed", "the document is too large")
    envelope = strict_object(payload)
    body, sig = envelope.get(field), envelope.get("sig")
    if envelope.get("v") != VERSION or not isinstance(body, str) or not isinstance(sig, str):
        raise SignedError("bad_signature", "the document is not signed")
    try:
        key.verify(base64.b64decode(sig, validate=True), context + body.encode())
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignedError("bad_signature", "the signature is not the fleet's key") from None
    return strict_object(body)


def load_public(path: Path) -> ed25519.Ed25519PublicKey:
    """Load a pinned Ed25519 public key (PEM); a missing or wrong file is a SignedError naming it."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise SignedError("key", f"no signing key at {path} (installed at enrollment)") from None
    except ValueError:
        raise SignedError("key", f"{path} is not a PEM public key") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise SignedError("key", f"{path} is not an Ed25519 key")
    return key
