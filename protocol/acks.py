"""Central's acknowledgements: per-entry verdicts, batched per terminal, signed by central.

An ack makes the terminal mark an outbox entry done, and done entries are later shredded: a
forged "stored" ack would lose an application. The broker's ACL already keeps terminals off
each other's ``down/`` topics; the Ed25519 signature also covers a broker that is compromised
or misconfigured. The terminal id is inside the signed data, so an ack batch cannot be replayed
to another terminal. Each batch carries central's time under the signature: a terminal whose
clock is wrong learns the time from it (protocol/clock.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from protocol.envelope import EnvelopeError, b64, canonical, unb64

VERSION = 1
STATUSES = frozenset({"stored", "duplicate", "rejected"})
MAX_ACK_BYTES = 512 * 1024


@dataclass(frozen=True)
class Ack:
    """Central's verdict on one envelope."""

    terminal: str
    id: str
    status: str  # stored | duplicate | rejected
    reason: str = ""

    def as_dict(self) -> dict[str, str]:
        """Return the per-entry part of the batch."""
        return {"id": self.id, "status": self.status, "reason": self.reason}


def seal_acks(terminal: str, acks: list[Ack], key: ed25519.Ed25519PrivateKey, at: datetime | None = None) -> bytes:
    """Return one signed batch of ``acks`` for ``terminal``, stamped with central's time ``at`` (default now)."""
    stamp = (at or datetime.now(UTC)).isoformat()
    unsigned: dict[str, Any] = {"v": VERSION, "terminal": terminal, "at": stamp, "acks": [a.as_dict() for a in acks]}
    return canonical({**unsigned, "sig": b64(key.sign(canonical(unsigned)))})


@dataclass(frozen=True)
class AckBatch:
    """A verified batch: the verdicts and central's time when it signed them (a trusted clock)."""

    acks: list[Ack]
    at: datetime


def open_acks(payload: bytes, terminal: str, key: ed25519.Ed25519PublicKey) -> AckBatch:
    """Verify a batch meant for ``terminal`` and return it; raise EnvelopeError otherwise."""
    if len(payload) > MAX_ACK_BYTES:
        raise EnvelopeError("oversized", f"{len(payload)} bytes")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: a nesting bomb
        raise EnvelopeError("bad_encoding", "ack is not UTF-8 JSON") from None
    if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("acks"), list):
        raise EnvelopeError("bad_schema", "ack batch")
    if data.get("terminal") != terminal:
        raise EnvelopeError("terminal_mismatch", "ack for another terminal")
    unsigned = {name: data.get(name) for name in ("v", "terminal", "at", "acks")}
    try:
        key.verify(unb64(data.get("sig"), "sig"), canonical(unsigned))
    except InvalidSignature:
        raise EnvelopeError("bad_signature", "ack batch") from None
    try:
        at = datetime.fromisoformat(str(data.get("at"))).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: a time that leaves years 1-9999 in UTC
        raise EnvelopeError("bad_schema", "ack time") from None
    return AckBatch([_entry(terminal, item) for item in data["acks"]], at)


def _entry(terminal: str, item: object) -> Ack:
    """Check one signed entry's shape."""
    if not isinstance(item, dict) or not isinstance(item.get("status"), str) or item["status"] not in STATUSES:
        raise EnvelopeError("bad_schema", "ack entry")
    if not all(isinstance(item.get(name), str) for name in ("id", "reason")):
        raise EnvelopeError("bad_schema", "ack entry fields")
    return Ack(terminal, item["id"], item["status"], item["reason"])
