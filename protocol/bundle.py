"""Several envelopes in one MQTT message while a backlog drains; each keeps its own signature and ack.

Framing: ``YCB1`` then, per envelope, its length as 4 bytes big-endian and its exact bytes, so
central stores each envelope exactly as the terminal sealed it. Bundling saves the per-message
cost of MQTT (a PUBLISH and a PUBACK each way, the client library's work) that dominates a drain.
"""

from __future__ import annotations

import struct

from protocol.envelope import MAX_ENVELOPE_BYTES, EnvelopeError

MAGIC = b"YCB1"
MAX_ENVELOPES = 50
MAX_BUNDLE_BYTES = 1024 * 1024
_LENGTH = struct.Struct(">I")


def pack(envelopes: list[bytes]) -> bytes:
    """Frame ``envelopes`` into one bundle."""
    if not 0 < len(envelopes) <= MAX_ENVELOPES:
        raise ValueError(f"a bundle holds 1 to {MAX_ENVELOPES} envelopes")
    return MAGIC + b"".join(_LENGTH.pack(len(e)) + e for e in envelopes)


def unpack(data: bytes) -> list[bytes]:
    """Split a bundle into its envelopes; raise EnvelopeError('bad_bundle') for anything else."""
    if len(data) > MAX_BUNDLE_BYTES or not data.startswith(MAGIC):
        raise EnvelopeError("bad_bundle", "not a bundle or too large")
    envelopes: list[bytes] = []
    offset = len(MAGIC)
    while offset < len(data):
        if offset + _LENGTH.size > len(data) or len(envelopes) == MAX_ENVELOPES:
            raise EnvelopeError("bad_bundle", "framing")
        (size,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        if size == 0 or size > MAX_ENVELOPE_BYTES or offset + size > len(data):
            raise EnvelopeError("bad_bundle", "envelope length")
        envelopes.append(data[offset : offset + size])
        offset += size
    if not envelopes:
        raise EnvelopeError("bad_bundle", "empty")
    return envelopes


def group(envelopes: list[bytes]) -> list[list[bytes]]:
    """Split envelopes into bundles that respect both limits, in order."""
    if not envelopes:
        return []
    groups: list[list[bytes]] = [[]]
    size = len(MAGIC)
    for envelope in envelopes:
        grow = _LENGTH.size + len(envelope)
        if groups[-1] and (len(groups[-1]) == MAX_ENVELOPES or size + grow > MAX_BUNDLE_BYTES):
            groups.append([])
            size = len(MAGIC)
        groups[-1].append(envelope)
        size += grow
    return groups
