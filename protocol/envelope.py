"""The uplink envelope: a signed header and a body encrypted end to end to the central platform.

The broker carries envelopes but can read none of their personal content: the body is
encrypted to central's X25519 public key (ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM,
with the header as associated data), and header plus ciphertext are signed with the
terminal's ECDSA P-256 key. Central checks that the signer is the terminal the envelope, the
topic and the client certificate all name.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
ALGORITHM = "X25519-HKDF-SHA256-A256GCM"
MAX_ENVELOPE_BYTES = 256 * 1024
KINDS = frozenset({"application", "rating", "help_request", "event", "supplement"})
HEADER_FIELDS = ("v", "terminal", "seq", "id", "kind", "created", "boot", "ctype")
HEADER_KEYS = frozenset(HEADER_FIELDS)
TEXT_FIELDS = ("terminal", "id", "kind", "created", "boot", "ctype")  # seq is an int, v checked first
MESSAGE_ID = re.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a UUID's canonical text
ENVELOPE_FIELDS = frozenset({"h", "enc", "body", "sig"})  # nothing unsigned but the signature itself
ENC_FIELDS = frozenset({"alg", "epk", "nonce"})
MAX_SEQ = 2**31  # a sequence number fits a signed 32-bit column
MAX_FIELD = 64  # characters of a free-text header field (times, boot id, content type)


class EnvelopeError(ValueError):
    """An envelope central must refuse; ``code`` is the reason code sent back in the reject ack."""

    def __init__(self, code: str, detail: str) -> None:
        """Remember the reason code and a description for logs (no personal data)."""
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class Header:
    """What the broker and central may read in clear: no personal data."""

    terminal: str
    seq: int
    id: str  # the application id for applications: central de-duplicates on it
    kind: str
    created: str  # wall time as the terminal's clock said (ISO 8601)
    boot: str  # the terminal's boot id, which explains a wall clock that jumped
    ctype: str = "application/json"
    v: int = VERSION

    def as_dict(self) -> dict[str, Any]:
        """Return the header as JSON-ready data."""
        return {name: getattr(self, name) for name in HEADER_FIELDS}


def b64(data: bytes) -> str:
    """Encode bytes for JSON."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, field: str) -> bytes:
    """Decode a base64 field, refusing anything else."""
    if not isinstance(text, str):
        raise EnvelopeError("bad_schema", f"{field} is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise EnvelopeError("bad_encoding", f"{field} is not base64") from None


def canonical(data: dict[str, Any]) -> bytes:
    """Serialize deterministically (the signed and the associated-data form)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _key(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    """Derive the content key from the ECDH secret, binding both public keys."""
    return HKDF(hashes.SHA256(), 32, salt=epk + recipient, info=b"yichuang envelope v1").derive(shared)


@functools.lru_cache(maxsize=4096)
def agreed_cipher(central: x25519.X25519PrivateKey, epk: bytes) -> AESGCM:
    """Return the AES-GCM cipher of an ephemeral public key's content key (cached: a sender's batch shares one)."""
    shared = central.exchange(x25519.X25519PublicKey.from_public_bytes(epk))
    return AESGCM(_key(shared, epk, raw_public(central.public_key())))


def raw_public(key: x25519.X25519PublicKey) -> bytes:
    """Return the 32 raw bytes of an X25519 public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class ContentKey:
    """An ephemeral X25519 public key and the content key it agrees with central's key."""

    epk: bytes
    key: bytes


def new_content_key(central: x25519.X25519PublicKey) -> ContentKey:
    """Make a fresh ephemeral key pair and derive the content key; the private half is dropped at once."""
    ephemeral = x25519.X25519PrivateKey.generate()
    epk = raw_public(ephemeral.public_key())
    return ContentKey(epk, _key(ephemeral.exchange(central), epk, raw_public(central)))


def seal(header: Header, body: bytes, central: x25519.X25519PublicKey, signer: ec.EllipticCurvePrivateKey,
         content_key: ContentKey | None = None) -> bytes:
    """Encrypt ``body`` to central, sign header and ciphertext, and return the envelope bytes.

    A sender draining a backlog may pass one ``content_key`` for a batch of envelopes (each gets
    its own random nonce and its own signature); by default every envelope gets a fresh one.
    """
    if header.kind not in KINDS:
        raise EnvelopeError("bad_kind", f"unknown kind {header.kind!r}")
    content_key = content_key or new_content_key(central)
    nonce = os.urandom(12)
    ciphertext = AESGCM(content_key.key).encrypt(nonce, body, canonical(header.as_dict()))
    unsigned = {"h": header.as_dict(), "enc": {"alg": ALGORITHM, "epk": b64(content_key.epk), "nonce": b64(nonce)},
                "body": b64(ciphertext)}
    signature = signer.sign(canonical(unsigned), ec.ECDSA(hashes.SHA256()))
    envelope = canonical({**unsigned, "sig": b64(signature)})
    if len(envelope) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError("oversized", f"{len(envelope)} bytes")
    return envelope


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice (a lenient parser would keep either copy)."""
    result = dict(pairs)
    if len(result) != len(pairs):
        raise EnvelopeError("bad_schema", "a key given twice")
    return result


def parse_strict(data: bytes) -> Any:
    """Parse UTF-8 JSON with unique keys; raise EnvelopeError('bad_encoding') for anything else (also nesting bombs)."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise EnvelopeError("bad_encoding", "not UTF-8 JSON") from None


def check_header(raw: dict[str, Any], version: int = VERSION) -> None:
    """Check the header's fields, types and ranges (they become bounded database columns)."""
    if raw.get("v") != version:
        raise EnvelopeError("bad_schema_version", f"version {raw.get('v')!r}")
    if raw.keys() != HEADER_KEYS:
        raise EnvelopeError("bad_schema", "header fields")
    if type(raw["seq"]) is not int or not all(type(raw[name]) is str for name in TEXT_FIELDS):  # bool: not an int
        raise EnvelopeError("bad_schema", "header field types")
    if not 0 <= raw["seq"] < MAX_SEQ:
        raise EnvelopeError("bad_schema", "sequence number out of range")
    if not is_message_id(raw["id"]):
        raise EnvelopeError("bad_schema", "the message id is not a UUID")
    if any(len(raw[name]) > MAX_FIELD for name in ("terminal", "created", "boot", "ctype")):
        raise EnvelopeError("bad_schema", "header field length")
    if raw["kind"] not in KINDS:
        raise EnvelopeError("bad_kind", f"unknown kind {raw['kind']!r}")


def is_message_id(value: object) -> bool:
    """Return whether ``value`` is a message id: a UUID in its canonical text (as ``str(uuid.UUID(...))`` writes it)."""
    return isinstance(value, str) and MESSAGE_ID.fullmatch(value) is not None


def read_header(data: bytes) -> tuple[Header, dict[str, Any]]:
    """Parse an envelope and its header without trusting it yet; raise EnvelopeError for garbage."""
    if len(data) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError("oversized", f"{len(data)} bytes")
    envelope = parse_strict(data)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("h"), dict):
        raise EnvelopeError("bad_schema", "no header")
    check_header(envelope["h"])
    if set(envelope) != ENVELOPE_FIELDS or not isinstance(envelope["enc"], dict) or set(envelope["enc"]) != ENC_FIELDS:
        raise EnvelopeError("bad_schema", "envelope fields")
    if canonical(envelope) != data:
        raise EnvelopeError("bad_encoding", "not in canonical form: the stored bytes must be the signed ones")
    raw = envelope["h"]
    return Header(**{name: raw[name] for name in HEADER_FIELDS}), envelope


def open_envelope(
    data: bytes, signer: ec.EllipticCurvePublicKey, central: x25519.X25519PrivateKey
) -> tuple[Header, bytes]:
    """Verify the terminal's signature and decrypt the body; raise EnvelopeError if anything fails."""
    header, envelope = read_header(data)
    return header, open_parsed(header, envelope, signer, central)


def open_parsed(
    header: Header, envelope: dict[str, Any], signer: ec.EllipticCurvePublicKey, central: x25519.X25519PrivateKey
) -> bytes:
    """Verify and decrypt an envelope ``read_header`` has parsed; return the body."""
    enc = envelope.get("enc")
    if not isinstance(enc, dict) or enc.get("alg") != ALGORITHM:
        raise EnvelopeError("bad_schema", "encryption parameters")
    signature = unb64(envelope.get("sig"), "sig")
    unsigned: dict[str, Any] = {key: envelope[key] for key in ("h", "enc", "body") if key in envelope}
    try:
        signer.verify(signature, canonical(unsigned), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise EnvelopeError("bad_signature", f"envelope {header.id}") from None
    epk, nonce = unb64(enc.get("epk"), "epk"), unb64(enc.get("nonce"), "nonce")
    if len(epk) != 32 or len(nonce) != 12:
        raise EnvelopeError("bad_schema", "key or nonce size")
    ciphertext = unb64(envelope.get("body"), "body")
    try:
        body = agreed_cipher(central, epk).decrypt(nonce, ciphertext, canonical(header.as_dict()))
    except InvalidTag:
        raise EnvelopeError("bad_ciphertext", f"envelope {header.id}") from None
    return body
