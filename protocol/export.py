"""A replaced terminal's unsynced applications on a USB stick: sealed envelopes in bundles, listed and signed.

Each envelope is exactly what the sync agent would have sent: encrypted to central's key and signed
by the terminal. The file adds a list of the bundles' SHA-256 signed with the terminal's certificate
key, so a stick that lost or gained a bundle on the way is refused as a whole. Central ingests the
bundles as if they had arrived over MQTT: a message id it already has is a duplicate, so an export
imported twice, or sent again by the terminal once it is back online, is stored once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from protocol.signed import canonical, strict_object
from protocol.topics import TERMINAL

VERSION: Final = 1
CONTEXT: Final = b"yichuang terminal export v1\n"
MAX_FILE_BYTES: Final = 256 * 1024 * 1024
MAX_BUNDLES: Final = 20_000


class ExportError(ValueError):
    """An export file central will not take; the message says why."""


@dataclass(frozen=True)
class Export:
    """The terminal, when it exported, and its bundles (each as the uplink's bundle bytes)."""

    terminal: str
    exported_at: str
    bundles: list[bytes]


def _listing(terminal: str, exported_at: str, bundles: list[bytes]) -> bytes:
    """Return the signed part: who, when, and each bundle's hash in order."""
    digests = [hashlib.sha256(b).hexdigest() for b in bundles]
    return CONTEXT + canonical({"v": VERSION, "terminal": terminal, "exported_at": exported_at, "bundles": digests})


def write_export(export: Export, key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return the export file's bytes, signed with the terminal's certificate key."""
    signature = key.sign(_listing(export.terminal, export.exported_at, export.bundles), ec.ECDSA(hashes.SHA256()))
    return json.dumps({"v": VERSION, "terminal": export.terminal, "exported_at": export.exported_at,
                       "bundles": [base64.b64encode(b).decode() for b in export.bundles],
                       "sig": base64.b64encode(signature).decode()}).encode()


def read_export(data: bytes) -> tuple[Export, bytes]:
    """Read an export file's fields, bounded, without trusting them yet; return them and the signature."""
    if len(data) > MAX_FILE_BYTES:
        raise ExportError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB: not an export")
    try:
        body: dict[str, Any] = strict_object(data)
        terminal, at, encoded = body["terminal"], body["exported_at"], body["bundles"]
        if body.get("v") != VERSION or not isinstance(terminal, str) or not TERMINAL.fullmatch(terminal):
            raise ExportError("not a terminal export of this version")
        if not isinstance(at, str) or len(at) > 40 or not isinstance(encoded, list) or len(encoded) > MAX_BUNDLES:
            raise ExportError("the export's fields are out of bounds")
        bundles = [base64.b64decode(b, validate=True) for b in encoded]
        return Export(terminal, at, bundles), base64.b64decode(body["sig"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        if isinstance(exc, ExportError):
            raise
        raise ExportError("not a terminal export (malformed)") from None


def verify_export(export: Export, signature: bytes, key: ec.EllipticCurvePublicKey) -> None:
    """Check the listing's signature against the terminal's registered key."""
    try:
        key.verify(signature, _listing(export.terminal, export.exported_at, export.bundles), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ExportError(f"the export is not signed by {export.terminal}'s key, or was changed") from None
