"""补齐 in the store: a supplement is kept and queued for central in one transaction, like an application.

Its body (the envelope's plaintext: it holds the ID number the card read) is sealed under its own data
key; what was supplied and how, the receipt number and the item stay in clear for the 补正 receipt and
for ops. The sync agent sends it as kind ``supplement``; central's verdict is the outbox entry's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from domain.lifecycle import State
from domain.supplement import Supplied
from kiosk.store import database as db
from kiosk.store.crypto import bind, open_sealed, seal
from kiosk.store.errors import RecordNotFound, RecordShredded
from kiosk.store.models import ApplicationRow, OutboxRow, OutboxStatus, StatusRow, SupplementRow
from kiosk.store.store import Store

KIND = "supplement"


@dataclass(frozen=True)
class Verdict:
    """Where a queued supplement stands with central: pending, acked, or needs_manual with central's reason."""

    status: OutboxStatus
    reason: str = ""


def add(store: Store, record_id: str, number: str, *, offering_code: str, supplied: tuple[Supplied, ...],
        body: bytes) -> None:
    """Keep a supplement (``body`` sealed) and queue it for central; once this returns it survives a crash."""
    materials = json.dumps([[s.material, s.way.value] for s in supplied])
    with db.translate(), db.write(store.engine) as conn:
        seq, now = store._next_seq(conn), store.now()
        key = store._new_data_key(conn, record_id, now)
        conn.execute(insert(SupplementRow).values(
            id=record_id, seq=seq, number=number, offering_code=offering_code, materials=materials,
            content=seal(key, body, bind("supplements", record_id, "content")), created_at=now, boot_id=store.boot))
        store._enqueue(conn, seq, record_id, KIND, now)


def payload(store: Store, record_id: str) -> bytes:
    """Return a supplement's body for its envelope (RecordShredded once its key is destroyed)."""
    with db.read(store.engine) as conn:
        content = conn.execute(select(SupplementRow.content).where(SupplementRow.id == record_id)).first()
        if content is None:
            raise RecordNotFound(f"no supplement {record_id}")
        if content[0] is None:
            raise RecordShredded(f"supplement {record_id} was shredded")
        key = store.data_key(conn, record_id)
    return open_sealed(key, content[0], bind("supplements", record_id, "content"))


def verdict(store: Store, record_id: str) -> Verdict:
    """Return central's word on a supplement so far (its outbox entry's state and central's reason)."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(OutboxRow.status, OutboxRow.note).where(OutboxRow.record_id == record_id)).first()
    if row is None:
        raise RecordNotFound(f"no supplement {record_id} in the outbox")
    return Verdict(OutboxStatus(row.status), row.note or "")


def owing_here(store: Store) -> list[tuple[str, dict[str, Any]]]:
    """Return this terminal's applications central last said need a supplement: (receipt number, content).

    Offline, the applicant's card finds them here (their content still decrypts until it is shredded).
    """
    with db.read(store.engine) as conn:
        rows = conn.execute(select(ApplicationRow.id, ApplicationRow.number).join(
            StatusRow, StatusRow.application_id == ApplicationRow.id).where(
            StatusRow.state == State.NEEDS_SUPPLEMENT.value, ApplicationRow.shredded_at.is_(None))).all()
    return [(row.number, store.application_content(row.id)) for row in rows]


def waiting(store: Store) -> set[str]:
    """Return the receipt numbers with a supplement here still waiting for central (one is enough)."""
    with db.read(store.engine) as conn:
        rows = conn.execute(select(SupplementRow.number).join(OutboxRow, OutboxRow.record_id == SupplementRow.id)
                            .where(OutboxRow.status == OutboxStatus.PENDING)).all()
    return {row.number for row in rows}
