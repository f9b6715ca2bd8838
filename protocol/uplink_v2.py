"""Uplink protocol v2: binary envelopes, and one terminal signature per bundle over its envelopes' hashes.

An envelope is ``YCE2``, the header's length (2 bytes, big-endian), the header as canonical JSON
(``v`` = 2; its exact bytes are the body's associated data, never re-serialised), central's
ephemeral-static X25519 parameters (32-byte public key, 12-byte nonce) and the AES-256-GCM
ciphertext. A bundle is ``YCB2``, the count (1 byte), each envelope framed by its length (4
bytes), and the terminal's ECDSA P-256 signature (framed by 2 bytes) over ``DOMAIN`` and the
SHA-256 of every envelope in order. Central verifies one signature per bundle and stores each
envelope with its **proof** (``YCP2``, the signature, the hash list): any stored envelope stays
verifiable on its own — its hash is in the list and the signature covers the list.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocol.envelope import (
    KINDS,
    MAX_ENVELOPE_BYTES,
    ContentKey,
    EnvelopeError,
    Header,
    agreed_cipher,
    canonical,
    check_header,
    new_content_key,
    parse_strict,
)

VERSION = 2
ENVELOPE_MAGIC, BUNDLE_MAGIC, PROOF_MAGIC = b"YCE2", b"YCB2", b"YCP2"
DOMAIN = b"yichuang uplink bundle v2\n"  # what a bundle signature covers, before the hashes
MAX_ENVELOPES = 50
MAX_BUNDLE_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 1024
MAX_SIGNATURE_BYTES = 80  # a DER ECDSA P-256 signature is at most 72
HASH_BYTES = 32
_U16, _U32 = struct.Struct(">H"), struct.Struct(">I")
SIGNATURE_ROOM = _U16.size + MAX_SIGNATURE_BYTES  # what the framed signature adds after the envelopes
_KEY_AND_NONCE = 32 + 12


@dataclass(frozen=True)
class Bundle:
    """A v2 bundle as received: its envelopes' exact bytes, their hashes and the signature over them."""

    envelopes: list[bytes]
    hashes: list[bytes]
    signature: bytes

    def signed_bytes(self) -> bytes:
        """Return what the signature covers."""
        return DOMAIN + b"".join(self.hashes)

    def proof(self) -> bytes:
        """Return the proof stored beside each envelope: the signature and the hash list."""
        return PROOF_MAGIC + _U16.pack(len(self.signature)) + self.signature + b"".join(self.hashes)


def seal(header: Header, body: bytes, central: x25519.X25519PublicKey, content_key: ContentKey | None = None) -> bytes:
    """Encrypt ``body`` to central under ``header`` (v2: unsigned here, signed with its bundle)."""
    if header.kind not in KINDS:
        raise EnvelopeError("bad_kind", f"unknown kind {header.kind!r}")
    if header.v != VERSION:
        raise EnvelopeError("bad_schema_version", f"a v2 envelope with a v{header.v} header")
    content_key = content_key or new_content_key(central)
    head, nonce = canonical(header.as_dict()), os.urandom(12)
    ciphertext = AESGCM(content_key.key).encrypt(nonce, body, head)
    envelope = ENVELOPE_MAGIC + _U16.pack(len(head)) + head + content_key.epk + nonce + ciphertext
    if len(envelope) > MAX_ENVELOPE_BYTES:
        raise EnvelopeError("oversized", f"{len(envelope)} bytes")
    return envelope


def pack(envelopes: list[bytes], signer: ec.EllipticCurvePrivateKey) -> bytes:
    """Frame ``envelopes`` into one bundle and sign their hashes once."""
    if not 0 < len(envelopes) <= MAX_ENVELOPES:
        raise ValueError(f"a bundle holds 1 to {MAX_ENVELOPES} envelopes")
    hashed = DOMAIN + b"".join(hashlib.sha256(e).digest() for e in envelopes)
    signature = signer.sign(hashed, ec.ECDSA(hashes.SHA256()))
    framed = b"".join(_U32.pack(len(e)) + e for e in envelopes)
    return BUNDLE_MAGIC + bytes([len(envelopes)]) + framed + _U16.pack(len(signature)) + signature


def group(envelopes: list[bytes]) -> list[list[bytes]]:
    """Split envelopes into bundles that respect both limits, in order."""
    groups: list[list[bytes]] = []
    size = 0
    for envelope in envelopes:
        grow = _U32.size + len(envelope)
        if not groups or len(groups[-1]) == MAX_ENVELOPES or size + grow > MAX_BUNDLE_BYTES - SIGNATURE_ROOM:
            groups.append([])
            size = len(BUNDLE_MAGIC) + 1
        groups[-1].append(envelope)
        size += grow
    return groups


def unpack(data: bytes) -> Bundle:
    """Split a bundle into its envelopes and signature; raise EnvelopeError('bad_bundle') for anything else."""
    if len(data) > MAX_BUNDLE_BYTES or not data.startswith(BUNDLE_MAGIC) or len(data) < len(BUNDLE_MAGIC) + 1:
        raise EnvelopeError("bad_bundle", "not a v2 bundle or too large")
    count, offset = data[len(BUNDLE_MAGIC)], len(BUNDLE_MAGIC) + 1
    if not 0 < count <= MAX_ENVELOPES:
        raise EnvelopeError("bad_bundle", "envelope count")
    envelopes = []
    for _ in range(count):
        size, offset = _framed(data, offset, _U32, MAX_ENVELOPE_BYTES)
        envelopes.append(data[offset - size : offset])
    size, offset = _framed(data, offset, _U16, MAX_SIGNATURE_BYTES)
    if offset != len(data):
        raise EnvelopeError("bad_bundle", "bytes after the signature")
    return Bundle(envelopes, [hashlib.sha256(e).digest() for e in envelopes], data[offset - size : offset])


def _framed(data: bytes, offset: int, length: struct.Struct, limit: int) -> tuple[int, int]:
    """Read a length-framed part at ``offset``; return its size and the offset after it."""
    if offset + length.size > len(data):
        raise EnvelopeError("bad_bundle", "framing")
    (size,) = length.unpack_from(data, offset)
    end = offset + length.size + size
    if size == 0 or size > limit or end > len(data):
        raise EnvelopeError("bad_bundle", "part length")
    return size, end


def verify(bundle: Bundle, signers: tuple[ec.EllipticCurvePublicKey, ...]) -> None:
    """Check the bundle's signature with the terminal's key, else a key it replaced lately."""
    for signer in signers:
        try:
            signer.verify(bundle.signature, bundle.signed_bytes(), ec.ECDSA(hashes.SHA256()))
            return
        except InvalidSignature:
            continue
    raise EnvelopeError("bad_signature", "bundle")


def read_header(envelope: bytes) -> tuple[Header, bytes]:
    """Parse a v2 envelope's header without trusting it yet; return it and its exact bytes."""
    if len(envelope) > MAX_ENVELOPE_BYTES or not envelope.startswith(ENVELOPE_MAGIC):
        raise EnvelopeError("bad_encoding", "not a v2 envelope")
    start = len(ENVELOPE_MAGIC) + _U16.size
    if len(envelope) < start:
        raise EnvelopeError("bad_encoding", "truncated")
    (size,) = _U16.unpack_from(envelope, len(ENVELOPE_MAGIC))
    if not 0 < size <= MAX_HEADER_BYTES or len(envelope) < start + size + _KEY_AND_NONCE + 16:
        raise EnvelopeError("bad_encoding", "header length")
    head = envelope[start : start + size]
    raw = parse_strict(head)
    if not isinstance(raw, dict):
        raise EnvelopeError("bad_schema", "no header")
    check_header(raw, VERSION)
    return Header(**raw), head


def open_body(envelope: bytes, head: bytes, central: x25519.X25519PrivateKey) -> bytes:
    """Decrypt a v2 envelope whose header ``read_header`` returned; the header bytes are the associated data."""
    start = len(ENVELOPE_MAGIC) + _U16.size + len(head)
    epk, nonce = envelope[start : start + 32], envelope[start + 32 : start + _KEY_AND_NONCE]
    try:
        return agreed_cipher(central, epk).decrypt(nonce, envelope[start + _KEY_AND_NONCE :], head)
    except InvalidTag:
        raise EnvelopeError("bad_ciphertext", "envelope") from None


def verify_stored(envelope: bytes, proof: bytes, signers: tuple[ec.EllipticCurvePublicKey, ...]) -> None:
    """Check a stored v2 envelope on its own: its hash is in its proof's list and the signature covers the list."""
    if not proof.startswith(PROOF_MAGIC) or len(proof) < len(PROOF_MAGIC) + _U16.size:
        raise EnvelopeError("bad_proof", "not a v2 proof")
    (size,) = _U16.unpack_from(proof, len(PROOF_MAGIC))
    start = len(PROOF_MAGIC) + _U16.size + size
    listed = proof[start:]
    if not 0 < size <= MAX_SIGNATURE_BYTES or not listed or len(listed) % HASH_BYTES:
        raise EnvelopeError("bad_proof", "proof framing")
    hashes_ = [listed[i : i + HASH_BYTES] for i in range(0, len(listed), HASH_BYTES)]
    if hashlib.sha256(envelope).digest() not in hashes_:
        raise EnvelopeError("bad_proof", "the envelope is not in its proof")
    verify(Bundle([], hashes_, proof[start - size : start]), signers)
