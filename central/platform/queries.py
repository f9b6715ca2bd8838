"""What ops ask central: applications, bad ratings to follow up, help requests, sequence gaps, refusals.

Nothing here decrypts except `content`, which opens one stored envelope with central's key.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import Engine, and_, func, insert, select, text

from central.platform.keys import CentralKeys
from central.platform.registry import Registry
from central.platform.schema import help_handled, messages, proofs, rejected
from protocol import uplink_v2
from protocol.envelope import EnvelopeError, open_envelope

BAD_LEVELS = (1, 2)  # 非常不满意, 不满意: each gets a follow-up (好差评 rectification)
LISTED = (messages.c.id, messages.c.terminal, messages.c.seq, messages.c.created, messages.c.received_at)

GAPS = text("""
WITH seen AS (
    SELECT terminal, seq, received_at AS at FROM messages
    UNION ALL
    SELECT terminal, seq, at FROM rejected WHERE seq IS NOT NULL AND terminal IS NOT NULL
), ordered AS (
    SELECT terminal, seq, at, LAG(seq) OVER (PARTITION BY terminal ORDER BY seq) AS prev FROM seen
)
SELECT terminal, COALESCE(prev, 0) + 1 AS first_missing, seq - 1 AS last_missing, at AS noticed
FROM ordered WHERE seq - COALESCE(prev, 0) > 1
ORDER BY terminal, first_missing
""")


def _rows(engine: Engine, query: Any) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts."""
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query)]


def applications(engine: Engine, terminal: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Return the newest applications (optionally of one terminal), without personal data."""
    query = (select(*LISTED, messages.c.number, messages.c.item, messages.c.catalog_version)
             .where(messages.c.kind == "application").order_by(messages.c.received_at.desc(), messages.c.seq.desc())
             .limit(limit))
    if terminal is not None:
        query = query.where(messages.c.terminal == terminal)
    return _rows(engine, query)


def ratings(engine: Engine, bad_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """Return ratings with the application they rate, newest first; ``bad_only``: 不满意 or worse."""
    rated = messages.alias("rated")
    query = (
        select(*LISTED, messages.c.level, messages.c.application_id, rated.c.number, rated.c.item)
        .select_from(messages.outerjoin(rated, and_(rated.c.id == messages.c.application_id,
                                                    rated.c.kind == "application")))
        .where(messages.c.kind == "rating")
        .order_by(messages.c.received_at.desc()).limit(limit)
    )
    if bad_only:
        query = query.where(messages.c.level.in_(BAD_LEVELS))
    return _rows(engine, query)


def help_requests(engine: Engine, limit: int = 100, *, open_only: bool = False,
                  terminal: str | None = None) -> list[dict[str, Any]]:
    """Return help requests (呼叫帮办), newest first, with who handled each; ``open_only``: unhandled ones."""
    query = (select(*LISTED, messages.c.item, messages.c.application_id, help_handled.c.handled_at,
                    help_handled.c.handled_by)
             .select_from(messages.outerjoin(help_handled, help_handled.c.message_id == messages.c.id))
             .where(messages.c.kind == "help_request").order_by(messages.c.received_at.desc()).limit(limit))
    if open_only:
        query = query.where(help_handled.c.message_id.is_(None))
    if terminal is not None:
        query = query.where(messages.c.terminal == terminal)
    return _rows(engine, query)


def open_help(engine: Engine, since: str) -> dict[str, str]:
    """Return, per terminal, the oldest unhandled help request received since ``since``."""
    query = (select(messages.c.terminal, func.min(messages.c.received_at).label("oldest"))
             .select_from(messages.outerjoin(help_handled, help_handled.c.message_id == messages.c.id))
             .where(messages.c.kind == "help_request", help_handled.c.message_id.is_(None),
                    messages.c.received_at >= since)
             .group_by(messages.c.terminal))
    return {row["terminal"]: row["oldest"] for row in _rows(engine, query)}


def handle_help(engine: Engine, terminal: str, by: str, at: str) -> int:
    """Mark every unhandled help request of ``terminal`` as handled by ``by``; return how many."""
    with engine.begin() as conn:
        waiting = conn.execute(
            select(messages.c.id).select_from(messages.outerjoin(help_handled,
                                                                 help_handled.c.message_id == messages.c.id))
            .where(messages.c.kind == "help_request", messages.c.terminal == terminal,
                   help_handled.c.message_id.is_(None))).scalars().all()
        if waiting:
            conn.execute(insert(help_handled), [{"message_id": m, "handled_at": at, "handled_by": by}
                                                for m in waiting])
    return len(waiting)


def received_between(engine: Engine, start: str, end: str) -> int:
    """Return how many messages central stored in [start, end) (indexed by receipt time)."""
    query = select(func.count()).select_from(messages).where(messages.c.received_at >= start,
                                                             messages.c.received_at < end)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def gaps(engine: Engine) -> list[dict[str, Any]]:
    """Return each run of sequence numbers a terminal has not delivered yet, and when it was noticed."""
    return _rows(engine, GAPS)


def refusals(engine: Engine) -> list[dict[str, Any]]:
    """Return refused messages counted by terminal and reason code."""
    query = (select(rejected.c.terminal, rejected.c.reason, func.count().label("count"))
             .group_by(rejected.c.terminal, rejected.c.reason).order_by(rejected.c.terminal, rejected.c.reason))
    return _rows(engine, query)


def content(engine: Engine, keys: CentralKeys, message_id: str) -> bytes | None:
    """Decrypt one stored message's content (its signature is checked again), or None if unknown."""
    with engine.connect() as conn:
        row = conn.execute(select(messages.c.terminal, messages.c.envelope, messages.c.proof_digest, proofs.c.proof)
                           .select_from(messages.outerjoin(proofs, proofs.c.digest == messages.c.proof_digest))
                           .where(messages.c.id == message_id)).first()
    if row is None:
        return None
    signers = Registry(engine).signers(row.terminal)  # a message sealed before a rotation: a replaced key
    if not signers:
        raise LookupError(f"terminal {row.terminal} is no longer registered")
    if row.proof_digest is not None:  # protocol v2: its bundle's signature covers this envelope's hash
        if row.proof is None:
            raise EnvelopeError("bad_proof", f"the proof of {message_id} is missing")
        uplink_v2.verify_stored(row.envelope, row.proof, tuple(signers))
        return uplink_v2.open_body(row.envelope, uplink_v2.read_header(row.envelope)[1], keys.uplink)
    try:
        return open_envelope(row.envelope, signers[0], keys.uplink)[1]
    except EnvelopeError:
        for key in signers[1:]:
            with contextlib.suppress(EnvelopeError):
                return open_envelope(row.envelope, key, keys.uplink)[1]
        raise
