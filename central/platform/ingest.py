"""Central ingest: verify, decrypt, check and store each envelope once; answer every one with an ack.

Correctness does not rest on MQTT delivery: QoS 1 duplicates by design, and terminals resend
after a timeout. The message id is the primary key, so a duplicate is acknowledged again and
never stored twice, even when two workers race on it. A protocol failure gets a reject ack
with a reason code; a business decision (不予受理) is a later status change, not a reject.
Messages are handled in batches: one database transaction per batch. One terminal's bad message
never costs another's: whatever fails on one envelope refuses that envelope, and a batch whose
commit fails is stored again message by message. A message id belongs to the terminal that
stored it first; another terminal sending it gets ``id_conflict``, never ``duplicate``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from central.platform import content, status, supplements
from central.platform.catalogs import CatalogArchive
from central.platform.keys import CentralKeys
from central.platform.metrics import IngestMetrics
from central.platform.progress import holder_key
from central.platform.registry import Registry
from central.platform.retire import notice_reason, retire_in
from central.platform.schema import messages, rejected
from domain.instant import Decision
from domain.supplement import SupplementRefused
from protocol import bundle, topics, uplink_v2
from protocol.acks import Ack
from protocol.envelope import EnvelopeError, Header, is_message_id, open_parsed, read_header
from protocol.supplement import SupplementBody

log = logging.getLogger(__name__)

RACE_RETRIES = 3
# Codes raised after the signature verified: the sequence number is the terminal's own.
SIGNED_CODES = frozenset({"bad_ciphertext", "bad_content", "invalid_content", "unknown_catalog_version"})
DATABASE_DOWN = (OperationalError, InterfaceError)  # not one message's fault: the batch waits for the resend
REFUSED_VALUES = (SQLAlchemyError, OverflowError, ValueError)  # the database or its driver refused a value
ROW_COLUMNS = tuple(c.name for c in messages.c if c.name != "received_at")  # what a verified message's row may fill
INSERT_SQL = {mark: f"INSERT INTO messages ({', '.join(ROW_COLUMNS)}, received_at) "  # noqa: S608 - our own columns
                    f"VALUES ({', '.join([mark] * (len(ROW_COLUMNS) + 1))})" for mark in ("?", "%s")}  # SQLite, psycopg
PROOF_SQL = {mark: f"INSERT INTO proofs (digest, proof) VALUES ({mark}, {mark}) "  # noqa: S608 - the mark only
                   "ON CONFLICT (digest) DO NOTHING" for mark in ("?", "%s")}  # stored once: a resend finds it


@dataclass(frozen=True)
class Rejection:
    """A refused message as ops count it."""

    terminal: str | None
    seq: int | None
    message_id: str
    reason: str


@dataclass(frozen=True)
class Checked:
    """One message after verification: a row to store, or a rejection."""

    terminal: str | None
    row: dict[str, Any] | None = None
    rejection: Rejection | None = None
    instant: Decision | None = None  # a 秒批 item's decision, taken when the row is stored
    proof: bytes | None = None  # a v2 envelope's bundle proof: the row's proof_digest names it in ``proofs``
    supplement: SupplementBody | None = None  # a 补齐, checked against central's record when it is stored


class Ingest:
    """Turns uplink messages into stored records and acks."""

    def __init__(self, engine: Engine, keys: CentralKeys, archive: CatalogArchive,
                 registry: Registry | None = None) -> None:
        """Store into ``engine`` (see ``database.make_engine``) with central's ``keys``; check against ``archive``."""
        self.engine, self.keys, self.archive = engine, keys, archive
        self.holder_key = holder_key(keys)  # applications are found by their holder's card (progress.py)
        self.registry = registry or Registry(engine)
        self.duplicates = 0  # copies acknowledged again: resends, QoS 1 redelivery, replays
        self.notices: dict[str, str] = {}  # decommission notices verified, by message id: retired once stored
        self.metrics = IngestMetrics()

    def handle(self, topic: str, payload: bytes) -> Ack | None:
        """Process one single-envelope message; return the ack to send (None when no terminal can be named)."""
        return self.handle_batch([(topic, payload)])[0]

    def handle_batch(self, batch: list[tuple[str, bytes]]) -> list[Ack | None]:
        """Process messages in one transaction (one per message if it fails); return one ack (or None) per envelope."""
        with self.metrics.batch_seconds.time():
            try:
                return self._handle_batch(batch)
            except DATABASE_DOWN:
                self.metrics.batch_failures.inc()
                raise

    def _handle_batch(self, batch: list[tuple[str, bytes]]) -> list[Ack | None]:
        """Store a batch, falling back to one message at a time when the database refuses a value."""
        checked = [item for topic, payload in batch for item in self._check_message(topic, payload)]
        try:
            return self._commit_racing(checked)
        except DATABASE_DOWN:
            raise
        except REFUSED_VALUES:  # one row the database refuses must not cost the others: store them one by one
            log.exception("ingest could not store a batch of %d; storing it message by message", len(checked))
        acks: list[Ack | None] = []
        for item in checked:
            acks += self._commit_alone(item)
        return acks

    def _commit_alone(self, item: Checked) -> list[Ack | None]:
        """Store one message; refuse it with ``central_error`` if the database will not take it."""
        try:
            return self._commit_racing([item])
        except DATABASE_DOWN:
            raise
        except REFUSED_VALUES:
            log.exception("ingest could not store a message of %s", item.terminal)
        row = item.row or {}
        failed = Rejection(item.terminal, row.get("seq"), row.get("id", ""), "central_error")
        return self._commit_racing([Checked(item.terminal, rejection=failed)])

    def _commit_racing(self, checked: list[Checked]) -> list[Ack | None]:
        """Commit, looking again when another worker stored one of these ids meanwhile."""
        for attempt in range(RACE_RETRIES):
            try:
                return self._commit(checked)
            except IntegrityError:
                if attempt == RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def _check_message(self, topic: str, payload: bytes) -> list[Checked]:
        """Verify a message: one envelope, or each envelope of a bundle (v1: each signed; v2: signed once)."""
        if not topics.is_bundle(topic):
            return [self._check(topic, payload, self._verify)]
        try:
            if payload.startswith(uplink_v2.BUNDLE_MAGIC):
                return self._check_bundle_v2(topic, uplink_v2.unpack(payload))
            envelopes = bundle.unpack(payload)
        except EnvelopeError as exc:
            terminal = topics.terminal_of(topic)
            return [Checked(terminal, rejection=Rejection(terminal, None, "", exc.code))]
        return [self._check(topic, envelope, self._verify) for envelope in envelopes]

    def _check_bundle_v2(self, topic: str, received: uplink_v2.Bundle) -> list[Checked]:
        """Verify a v2 bundle's one signature, then each envelope; a bundle that fails it refuses them all."""
        terminal = topics.terminal_of(topic)
        try:
            if terminal is None:
                raise EnvelopeError("bad_topic", topic)
            uplink_v2.verify(received, self._signers(terminal))
        except EnvelopeError as exc:
            return [Checked(terminal, rejection=Rejection(terminal, None, _message_id(e), exc.code))
                    for e in received.envelopes]
        proof = received.proof()
        digest = hashlib.sha256(proof).digest()
        return [self._check(topic, envelope, lambda t, e: self._verify_v2(t, e, proof, digest))
                for envelope in received.envelopes]

    def _signers(self, terminal: str) -> tuple[ec.EllipticCurvePublicKey, ...]:
        """Return the keys ``terminal`` may sign with now; refuse an unknown or revoked terminal."""
        standing = self.registry.standing(terminal)
        if standing.key is None:
            raise EnvelopeError("unknown_terminal", terminal)
        if standing.revoked:
            raise EnvelopeError("revoked_terminal", terminal)
        return (standing.key, *standing.previous)

    def _check(self, topic: str, payload: bytes, verify: Callable[[str, bytes], Checked]) -> Checked:
        """Verify one message without touching the database's write side; any failure refuses only it."""
        terminal = topics.terminal_of(topic)
        if terminal is None:
            return Checked(None, rejection=Rejection(None, None, "", "bad_topic"))
        try:
            return verify(terminal, payload)
        except SQLAlchemyError:  # the registry's database, not this envelope: the batch waits for the resend
            raise
        except Exception:
            log.exception("ingest failed on an envelope of %s", terminal)
            return Checked(terminal, rejection=Rejection(terminal, None, _message_id(payload), "central_error"))

    def _verify(self, terminal: str, payload: bytes) -> Checked:
        """Check the envelope's header, signer, signature and content; return its row or its rejection."""
        seq = None
        try:
            header, parsed = read_header(payload)
            if header.terminal != terminal:
                raise EnvelopeError("terminal_mismatch", f"topic {terminal}, envelope {header.terminal}")
            signers = self._signers(terminal)
            seq = header.seq
            body = self._open(header, parsed, signers)
            columns = content.columns(header, body, self.archive, self.holder_key)
        except EnvelopeError as exc:
            signed = seq if exc.code in SIGNED_CODES else None
            return Checked(terminal, rejection=Rejection(terminal, signed, _message_id(payload), exc.code))
        return self._accepted(terminal, header, body, {"envelope": payload, **columns})

    def _verify_v2(self, terminal: str, envelope: bytes, proof: bytes, digest: bytes) -> Checked:
        """Check a v2 envelope whose bundle signature verified: its header, its ciphertext and its content."""
        seq = None
        try:
            header, head = uplink_v2.read_header(envelope)
            if header.terminal != terminal:
                raise EnvelopeError("terminal_mismatch", f"topic {terminal}, envelope {header.terminal}")
            seq = header.seq  # signed: the bundle's signature covers this envelope's hash
            body = uplink_v2.open_body(envelope, head, self.keys.uplink)
            columns = content.columns(header, body, self.archive, self.holder_key)
        except EnvelopeError as exc:
            signed = seq if exc.code in SIGNED_CODES else None
            return Checked(terminal, rejection=Rejection(terminal, signed, _message_id(envelope), exc.code))
        return self._accepted(terminal, header, body, {"envelope": envelope, "proof_digest": digest, **columns}, proof)

    def _accepted(self, terminal: str, header: Header, body: bytes, columns: dict[str, Any],
                  proof: bytes | None = None) -> Checked:
        """Return the row of a verified envelope; note a decommission notice, retired when it is stored."""
        decision, supplied = columns.pop("instant", None), columns.pop("supplement", None)
        row = {"id": header.id, "terminal": terminal, "seq": header.seq, "kind": header.kind,
               "created": header.created, **columns}
        reason = notice_reason(header.kind, body)
        if reason is not None:  # the terminal's own signed decommission notice: retired when it is stored
            self.notices[header.id] = reason
        return Checked(terminal, row=row, instant=decision, supplement=supplied, proof=proof)

    def _open(self, header: Header, parsed: dict[str, Any], signers: tuple[ec.EllipticCurvePublicKey, ...]) -> bytes:
        """Open an envelope with the terminal's key, else a key it replaced lately (sealed before a rotation)."""
        try:
            return open_parsed(header, parsed, signers[0], self.keys.uplink)
        except EnvelopeError as exc:
            if exc.code != "bad_signature" or len(signers) == 1:
                raise
            return self._open(header, parsed, signers[1:])

    def _commit(self, checked: list[Checked]) -> list[Ack | None]:
        """Store new rows and rejections in one transaction; return the acks."""
        now = datetime.now(UTC).isoformat()
        with self.engine.begin() as conn:
            ids = [c.row["id"] for c in checked if c.row is not None]
            owners: dict[str, str] = {}
            if ids:
                query = select(messages.c.id, messages.c.terminal).where(messages.c.id.in_(ids))
                owners.update({row.id: row.terminal for row in conn.execute(query)})
            checked, fresh = _claim(checked, owners)
            checked = self._supplements(conn, checked, fresh, now)
            if fresh:
                _insert_proofs(conn, checked, fresh)
                _insert_messages(conn, list(fresh.values()), now)
                for row in (r for r in fresh.values() if r["id"] in self.notices):
                    retire_in(conn, row["terminal"], self.notices[row["id"]])
                self._decide(conn, checked, fresh, now)
            refused = [c.rejection for c in checked if c.rejection is not None]
            if refused:
                conn.execute(insert(rejected), [
                    {"terminal": r.terminal, "seq": r.seq, "message_id": r.message_id or None, "reason": r.reason,
                     "at": now} for r in refused])
            self.registry.seen(conn, {c.row["terminal"] for c in checked if c.row is not None})
        for row in (c.row for c in checked if c.row is not None):
            if self.notices.pop(row["id"], None) is not None:  # committed: a resent copy is a duplicate
                self.registry.forget(row["terminal"])  # refused from its next message on
        return self._acks(checked, fresh)

    def _decide(self, conn: Connection, checked: list[Checked], fresh: dict[str, dict[str, Any]], now: str) -> None:
        """Approve each new 秒批 application its rules approve, in the transaction that stores it; count the rest."""
        for item in checked:
            row, decision = item.row, item.instant
            if row is None or decision is None or fresh.get(row["id"]) is not row:
                continue
            if decision.approved:
                status.approve_instantly(conn, row["id"], row["terminal"], row["number"], datetime.fromisoformat(now))
            else:  # the rule's position and why, never a value: the answers are personal
                log.info("秒批 %s to a person: rule %s %s", row["item"], decision.rule, decision.why,
                         extra={"event": "instant_to_person", "item": row["item"], "why": str(decision.why)})
            self.metrics.instant.labels(decision.verdict.value).inc()

    def _supplements(self, conn: Connection, checked: list[Checked], fresh: dict[str, dict[str, Any]],
                     now: str) -> list[Checked]:
        """Take each new 补齐 in the transaction that stores it; refuse (and do not store) one central cannot take.

        A supplement refused once stays refused when its envelope comes again (a lost refusal ack,
        a terminal back after days offline): its declarations answered that request, not a later one.
        """
        ids = [c.row["id"] for c in checked if c.row is not None and c.supplement is not None]
        before = {r.message_id: r.reason for r in conn.execute(
            select(rejected.c.message_id, rejected.c.reason).where(rejected.c.message_id.in_(ids)))} if ids else {}
        result = []
        for item in checked:
            row, body = item.row, item.supplement
            kept = item
            if row is not None and body is not None and fresh.get(row["id"]) is row:
                try:
                    if row["id"] in before:
                        raise EnvelopeError(before[row["id"]], "refused before")
                    row.update(supplements.take(conn, body, self.holder_key, self.archive, datetime.fromisoformat(now)))
                except (SupplementRefused, EnvelopeError) as exc:
                    del fresh[row["id"]]
                    code = exc.code.value if isinstance(exc, SupplementRefused) else exc.code
                    kept = Checked(item.terminal, rejection=Rejection(item.terminal, row["seq"], row["id"], code))
            result.append(kept)
        return result

    def _acks(self, checked: list[Checked], fresh: dict[str, dict[str, Any]]) -> list[Ack | None]:
        """Say stored for the first copy of each new id, duplicate for every other copy."""
        acks: list[Ack | None] = []
        claimed: set[str] = set()
        for item in checked:
            if item.row is not None:
                first = item.row["id"] in fresh and item.row["id"] not in claimed
                claimed.add(item.row["id"])
                acks.append(Ack(str(item.terminal), item.row["id"], "stored" if first else "duplicate"))
                self._count(item.row["kind"], first)
            elif item.rejection is not None and item.terminal is not None and item.rejection.message_id:
                acks.append(Ack(item.terminal, item.rejection.message_id, "rejected", item.rejection.reason))
            else:
                acks.append(None)
            if item.rejection is not None:
                self.metrics.refused.labels(item.rejection.reason).inc()
        return acks

    def _count(self, kind: str, first: bool) -> None:
        """Count a stored message by kind, or a copy acknowledged again."""
        if first:
            self.metrics.stored.labels(kind).inc()
        else:
            self.duplicates += 1
            self.metrics.duplicates.inc()

    def stored_ids(self) -> list[str]:
        """Return the ids stored so far, in each terminal's sequence order."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(messages.c.id).order_by(messages.c.terminal, messages.c.seq)).scalars())


def _insert_messages(conn: Connection, rows: list[dict[str, Any]], now: str) -> None:
    """Insert new rows in the caller's transaction: one executemany on the driver, no per-row SQLAlchemy processing."""
    stray = set().union(*rows).difference(ROW_COLUMNS)
    if stray:  # as SQLAlchemy's insert would: a column central does not have is refused, never silently dropped
        raise ValueError(f"no such message columns: {sorted(stray)}")
    values = [(*map(row.get, ROW_COLUMNS), now) for row in rows]
    conn.exec_driver_sql(INSERT_SQL[_mark(conn)], values)


def _insert_proofs(conn: Connection, checked: list[Checked], fresh: dict[str, dict[str, Any]]) -> None:
    """Store each bundle proof the new rows name, once: in digest order, so two workers lock them alike."""
    proofs = {c.row["proof_digest"]: c.proof for c in checked
              if c.row is not None and c.proof is not None and fresh.get(c.row["id"]) is c.row}
    if proofs:
        conn.exec_driver_sql(PROOF_SQL[_mark(conn)], sorted(proofs.items()))


def _mark(conn: Connection) -> str:
    """Return the driver's parameter mark: ``?`` for SQLite, ``%s`` for psycopg."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _claim(checked: list[Checked], owners: dict[str, str]) -> tuple[list[Checked], dict[str, dict[str, Any]]]:
    """Return the messages with ids another terminal owns refused as ``id_conflict``, and the rows to insert."""
    fresh: dict[str, dict[str, Any]] = {}
    result = []
    for message in checked:
        item, row = message, message.row
        if row is not None and row["id"] not in owners:
            fresh[row["id"]], owners[row["id"]] = row, row["terminal"]
        if row is not None and owners[row["id"]] != row["terminal"]:
            item = Checked(item.terminal, rejection=Rejection(item.terminal, row["seq"], row["id"], "id_conflict"))
        result.append(item)
    return result, fresh


def _message_id(payload: bytes) -> str:
    """Best effort: the id of an envelope we refuse, so the terminal can park that entry."""
    if payload.startswith(uplink_v2.ENVELOPE_MAGIC):
        try:
            return uplink_v2.read_header(payload)[0].id
        except EnvelopeError:
            return ""
    try:
        value = json.loads(payload)["h"]["id"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""
    return value if is_message_id(value) else ""
