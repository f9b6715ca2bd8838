"""The outbox as the sync agent sees it: pending entries, payloads, acks, and crypto-shredding."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, or_, select, union_all, update

from domain.idnumbers import SOFTWARE_EPOCH
from domain.lifecycle import State
from kiosk.store import database as db
from kiosk.store import supplements
from kiosk.store.crashpoints import crashpoint
from kiosk.store.crypto import bind, open_sealed
from kiosk.store.errors import RecordNotFound
from kiosk.store.models import (
    ApplicationRow,
    DataKey,
    HelpRequestRow,
    Meta,
    OutboxRow,
    OutboxStatus,
    RatingRow,
    ReceiptRow,
    SupplementRow,
)
from kiosk.store.store import Store

MAX_RETRY_DELAY = timedelta(hours=1)
SHREDDED_COLUMNS = {"content", "kek_id", "wrapped_key", "shredded_at"}  # an application's row loses the first three


@dataclass(frozen=True)
class Entry:
    """One outbox entry."""

    seq: int
    record_id: str
    kind: str
    attempts: int


def pending(store: Store, limit: int = 100) -> list[Entry]:
    """Return the entries due for sending, in sequence order.

    A retry time further ahead than any backoff can be was set before the clock went back:
    it counts as due, so a clock step never holds the outbox up.
    """
    now = store.clock()
    horizon = (now + MAX_RETRY_DELAY).astimezone(UTC).isoformat()
    query = (
        select(OutboxRow)
        .where(OutboxRow.status == OutboxStatus.PENDING)
        .where(or_(
            OutboxRow.next_attempt_at.is_(None),
            OutboxRow.next_attempt_at <= now.astimezone(UTC).isoformat(),
            OutboxRow.next_attempt_at > horizon,
        ))
        .order_by(OutboxRow.seq)
        .limit(limit)
    )
    with db.read(store.engine) as conn:
        return [Entry(r.seq, r.record_id, r.kind, r.attempts) for r in conn.execute(query)]


def unsynced(store: Store) -> list[Entry]:
    """Return every entry central has not acknowledged yet (due or waiting for a retry), in sequence order."""
    query = select(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING).order_by(OutboxRow.seq)
    with db.read(store.engine) as conn:
        return [Entry(r.seq, r.record_id, r.kind, r.attempts) for r in conn.execute(query)]


def payload(store: Store, entry: Entry) -> bytes:
    """Decrypt the content an entry carries (the application, or the rating as JSON)."""
    if entry.kind == "application":
        return json.dumps(store.application_content(entry.record_id), ensure_ascii=False).encode()
    if entry.kind == "help_request":
        return _help_request(store, entry.record_id)
    if entry.kind == "supplement":
        return supplements.payload(store, entry.record_id)
    with db.read(store.engine) as conn:
        row = conn.execute(select(RatingRow).where(RatingRow.id == entry.record_id)).first()
        if row is None:
            raise RecordNotFound(f"no rating {entry.record_id}")
        comment = ""
        if row.comment is not None:
            key = store.data_key(conn, row.id)
            comment = open_sealed(key, row.comment, bind("ratings", row.id, "comment")).decode()
    body = {"id": row.id, "application_id": row.application_id, "level": row.level, "comment": comment}
    return json.dumps(body, ensure_ascii=False).encode()


def payloads(store: Store, entries: list[Entry]) -> dict[int, bytes]:
    """Return the content of several entries by sequence number, applications decrypted in one read."""
    ids = [e.record_id for e in entries if e.kind == "application"]
    contents = store.application_plaintexts(ids)  # passed through as stored: no parse and re-serialise
    missing = set(ids) - set(contents)
    if missing:
        raise RecordNotFound(f"no application {sorted(missing)[0]}")
    return {e.seq: contents[e.record_id] if e.kind == "application" else payload(store, e) for e in entries}


def _help_request(store: Store, record_id: str) -> bytes:
    """Return a help request as JSON."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(HelpRequestRow).where(HelpRequestRow.id == record_id)).first()
    if row is None:
        raise RecordNotFound(f"no help request {record_id}")
    body = {"id": row.id, "screen": row.screen, "item": row.item, "application_id": row.application_id,
            "at": row.created_at}
    return json.dumps(body).encode()


def attempted(store: Store, seq: int, retry_after: timedelta) -> None:
    """Count a send attempt of one entry (see ``attempted_many``)."""
    attempted_many(store, [seq], retry_after)


def attempted_many(store: Store, seqs: list[int], retry_after: timedelta) -> None:
    """Count a send attempt and hold the entries back until ``retry_after`` (at most an hour) has passed."""
    retry_at = (store.clock() + min(retry_after, MAX_RETRY_DELAY)).astimezone(UTC).isoformat()
    with db.write(store.engine) as conn:
        conn.execute(update(OutboxRow).where(OutboxRow.seq.in_(seqs)).values(
            attempts=OutboxRow.attempts + 1, next_attempt_at=retry_at
        ))


def due_now(store: Store) -> None:
    """Make every entry still waiting for central due at once (the link has just come back)."""
    with db.write(store.engine) as conn:
        conn.execute(update(OutboxRow).where(OutboxRow.status == OutboxStatus.PENDING)
                     .values(next_attempt_at=None))


def ack(store: Store, record_id: str) -> bool:
    """Mark an entry acknowledged by central; return False if it was already (a duplicate ack)."""
    with db.read(store.engine) as conn:
        if conn.execute(select(OutboxRow.seq).where(OutboxRow.record_id == record_id)).first() is None:
            raise RecordNotFound(f"no outbox entry for {record_id}")
    return ack_many(store, [record_id]) == 1


def ack_many(store: Store, record_ids: list[str]) -> int:
    """Mark entries acknowledged by central in one transaction; return how many were not already.

    Ids the outbox does not hold (an ack meant for an earlier store) are ignored.
    """
    with db.write(store.engine) as conn:
        ids = list(conn.execute(select(OutboxRow.record_id).where(
            OutboxRow.record_id.in_(record_ids), OutboxRow.status != OutboxStatus.ACKED)).scalars())
        if not ids:
            return 0
        conn.execute(update(OutboxRow).where(OutboxRow.record_id.in_(ids)).values(
            status=OutboxStatus.ACKED, acked_at=store.now()
        ))
        crashpoint("mid_outbox_update")
        conn.execute(update(ApplicationRow).where(  # a state central already sent back is never undone by an ack
            ApplicationRow.id.in_(ids), ApplicationRow.state == State.SUBMITTED.value,
        ).values(state=State.RECEIVED.value))
    return len(ids)


def reject(store: Store, record_id: str, reason: str) -> bool:
    """Park an entry central refused: it needs manual handling; nothing is deleted.

    Return False (and record nothing) if the outbox holds no such pending entry.
    """
    with db.write(store.engine) as conn:
        parked = conn.execute(update(OutboxRow).where(
            OutboxRow.record_id == record_id, OutboxRow.status == OutboxStatus.PENDING
        ).values(status=OutboxStatus.NEEDS_MANUAL, note=reason[:200]))
    if not parked.rowcount:
        return False
    store.record_event("outbox_rejected", "warning", {"record": record_id, "reason": reason[:200]})
    return True


def shred(store: Store, retention: timedelta, chunk_size: int = 500) -> int:
    """Destroy the data keys of records acknowledged longer than ``retention`` ago.

    Metadata stays for statistics; freed pages are zeroed (secure_delete) and the WAL is
    checkpointed and truncated so no old page images of the keys remain (if a reader keeps
    the checkpoint from finishing, the store remembers and the next call finishes it). An ack
    stamped before the software existed came from a clock that had fallen back: its
    retention starts now instead. Returns the number of records shredded.
    """
    cutoff = (store.clock() - retention).astimezone(UTC).isoformat()
    now = store.now()
    with db.write(store.engine) as conn:
        conn.execute(update(OutboxRow).where(
            OutboxRow.status == OutboxStatus.ACKED, OutboxRow.acked_at < SOFTWARE_EPOCH.isoformat()
        ).values(acked_at=now))
        ids = _keyed(conn, cutoff)
        for chunk in (ids[i : i + chunk_size] for i in range(0, len(ids), chunk_size)):
            conn.execute(delete(DataKey).where(DataKey.record_id.in_(chunk)))
            crashpoint("mid_shred")
            _drop_ciphertext(conn, chunk, now)
            conn.execute(update(RatingRow).where(RatingRow.id.in_(chunk)).values(comment=None, shredded_at=now))
            conn.execute(update(SupplementRow).where(SupplementRow.id.in_(chunk)).values(content=None, shredded_at=now))
        if ids:
            _owe_checkpoint(conn, True)
    if checkpoint_owed(store):
        with db.write(store.engine) as conn:
            _owe_checkpoint(conn, False)  # cleared first: a successful checkpoint then leaves an empty WAL
        if not db.checkpoint(store.engine):
            with db.write(store.engine) as conn:
                _owe_checkpoint(conn, True)
    return len(ids)


def _keyed(conn: Connection, cutoff: str) -> list[str]:
    """Return the records acknowledged by ``cutoff`` that still have a data key (an application's is in its row)."""
    acked = select(OutboxRow.record_id).where(OutboxRow.status == OutboxStatus.ACKED, OutboxRow.acked_at <= cutoff)
    applications = acked.join(ApplicationRow, ApplicationRow.id == OutboxRow.record_id).where(
        ApplicationRow.wrapped_key.is_not(None))
    others = acked.join(DataKey, DataKey.record_id == OutboxRow.record_id)
    return list(conn.execute(union_all(applications, others)).scalars())


def _drop_ciphertext(conn: Connection, chunk: list[str], now: str) -> None:
    """Write shredded applications and receipts again without their keys and ciphertext: deleted, then inserted.

    SQLite merges emptied pages on a delete only: an update shrinking a 4 KB row to its metadata left it
    alone on its page for ever (the store grew ~5 KB per application). Inserted again with the same
    rowids, the rows pack onto a few pages, and the freed pages (zeroed: secure_delete) take new ones.
    """
    cursor, marks = db.driver(conn), ",".join("?" * len(chunk))
    cursor.execute("PRAGMA defer_foreign_keys = ON")  # rows referring to an application see it again by the commit
    kept = [c.name for c in ApplicationRow.__table__.c if c.name not in SHREDDED_COLUMNS]
    listed = ", ".join(kept)  # the model's own column names, never input
    applications = cursor.execute(f"SELECT rowid, {listed} FROM applications WHERE id IN ({marks})",  # noqa: S608
                                  chunk).fetchall()
    kept_receipt = [c.name for c in ReceiptRow.__table__.c if c.name != "document"]
    receipts = cursor.execute(f"SELECT rowid, {', '.join(kept_receipt)} FROM receipts "  # noqa: S608
                              f"WHERE application_id IN ({marks})", chunk).fetchall()
    cursor.execute(f"DELETE FROM receipts WHERE application_id IN ({marks})", chunk)  # noqa: S608
    cursor.execute(f"DELETE FROM applications WHERE id IN ({marks})", chunk)  # noqa: S608
    cursor.executemany(f"INSERT INTO applications (rowid, {listed}, content, shredded_at) "  # noqa: S608
                       f"VALUES ({', '.join('?' * (len(kept) + 1))}, NULL, ?)", [(*row, now) for row in applications])
    cursor.executemany(f"INSERT INTO receipts (rowid, {', '.join(kept_receipt)}, document) "  # noqa: S608
                       f"VALUES ({', '.join('?' * (len(kept_receipt) + 1))}, NULL)", receipts)


def _owe_checkpoint(conn: Connection, owed: bool) -> None:
    """Record whether a truncating checkpoint is still owed after shredding."""
    conn.execute(delete(Meta).where(Meta.key == "checkpoint_owed"))
    if owed:
        conn.execute(insert(Meta).values(key="checkpoint_owed", value="1"))


def checkpoint_owed(store: Store) -> bool:
    """Return whether shredded keys may still have old copies in the WAL."""
    with db.read(store.engine) as conn:
        return conn.execute(select(Meta.value).where(Meta.key == "checkpoint_owed")).scalar() is not None


def backlog(store: Store) -> int:
    """Return how many entries central has not acknowledged yet (due or waiting for a retry)."""
    with db.read(store.engine) as conn:
        return int(conn.execute(select(func.count()).where(OutboxRow.status == OutboxStatus.PENDING)).scalar_one())


def oldest_pending_age(store: Store) -> timedelta | None:
    """Return how long the oldest unsynced entry has waited (wall clock, never negative)."""
    with db.read(store.engine) as conn:
        created = conn.execute(
            select(OutboxRow.created_at).where(OutboxRow.status == OutboxStatus.PENDING)
            .order_by(OutboxRow.seq).limit(1)
        ).scalar()
    if created is None:
        return None
    return max(store.clock() - datetime.fromisoformat(created), timedelta(0))
