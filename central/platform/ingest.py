"""Central ingest: verify, decrypt and store each envelope once; answer every one with an ack.

Correctness does not rest on MQTT delivery: QoS 1 duplicates by design, and terminals resend
after a timeout. The message id is the primary key, so a duplicate is acknowledged again and
never stored twice. A protocol failure gets a reject ack with a reason code; a business
decision (不予受理) is a later status change, not a reject.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from sqlalchemy import Column, Engine, Integer, LargeBinary, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError

from sync import topics
from sync.envelope import EnvelopeError, open_envelope, read_header

metadata = MetaData()
received = Table(
    "received", metadata,
    Column("id", String, primary_key=True),
    Column("terminal", String, nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String, nullable=False),
    Column("header", String, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("received_at", String, nullable=False),
)
rejected = Table(
    "rejected", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("terminal", String, nullable=True),
    Column("reason", String, nullable=False),
    Column("at", String, nullable=False),
)


@dataclass(frozen=True)
class Ack:
    """The answer to one envelope, published on the terminal's ack topic."""

    terminal: str
    id: str
    status: str  # stored | duplicate | rejected
    reason: str = ""

    def payload(self) -> bytes:
        """Return the ack as JSON bytes."""
        return json.dumps({"v": 1, "id": self.id, "status": self.status, "reason": self.reason}).encode()


class Ingest:
    """Turns uplink messages into stored records and acks."""

    def __init__(self, engine: Engine, central: x25519.X25519PrivateKey,
                 registry: Callable[[str], ec.EllipticCurvePublicKey | None]) -> None:
        """Store into ``engine`` with central's key; ``registry`` gives a terminal's public key."""
        self.engine, self.central, self.registry = engine, central, registry
        metadata.create_all(engine)

    def handle(self, topic: str, payload: bytes) -> Ack | None:
        """Process one message; return the ack to send (None when no terminal can be named)."""
        terminal = topics.terminal_of(topic)
        if terminal is None:
            self._count(None, "bad_topic")
            return None
        try:
            header, _ = read_header(payload)
            if header.terminal != terminal:
                raise EnvelopeError("terminal_mismatch", f"topic {terminal}, envelope {header.terminal}")
            key = self.registry(terminal)
            if key is None:
                raise EnvelopeError("unknown_terminal", terminal)
            header, body = open_envelope(payload, key, self.central)
        except EnvelopeError as exc:
            self._count(terminal, exc.code)
            message_id = _message_id(payload)
            return Ack(terminal, message_id, "rejected", exc.code) if message_id else None
        return Ack(terminal, header.id, self._store(header.as_dict(), body))

    def _store(self, header: dict[str, object], body: bytes) -> str:
        """Insert once; a second copy of the same id is a duplicate."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(received).values(
                    id=header["id"], terminal=header["terminal"], seq=header["seq"], kind=header["kind"],
                    header=json.dumps(header, sort_keys=True), body=body, received_at=datetime.now(UTC).isoformat(),
                ))
        except IntegrityError:
            return "duplicate"
        return "stored"

    def _count(self, terminal: str | None, reason: str) -> None:
        """Record a refused message (the count is what ops watch)."""
        with self.engine.begin() as conn:
            conn.execute(insert(rejected).values(terminal=terminal, reason=reason, at=datetime.now(UTC).isoformat()))

    def stored_ids(self) -> list[str]:
        """Return the ids stored so far."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(received.c.id).order_by(received.c.terminal, received.c.seq)).scalars())


def _message_id(payload: bytes) -> str:
    """Best effort: the id of an envelope we refuse, so the terminal can park that entry."""
    try:
        value = json.loads(payload)["h"]["id"]
    except (ValueError, KeyError, TypeError):
        return ""
    return value if isinstance(value, str) and len(value) <= 64 else ""
