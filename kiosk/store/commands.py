"""Commands from central in the store: kept once per id, run in sequence order, their states reported back.

The sync agent writes a verified command here (``delivered``); whoever runs its kind — the kiosk
between sessions, or the agent itself — moves it to ``running`` and then ``succeeded`` or
``failed``; one past its expiry before it ran becomes ``expired``. The agent reports every state
change to central until the broker has taken the report (``reported``), so a terminal that was offline
reports on return, and a command re-sent by central is answered with its state, never run twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update

from kiosk.store import database as db
from kiosk.store.models import CommandRow
from kiosk.store.store import Store
from protocol.command import Command

FINAL = frozenset({"succeeded", "failed", "expired"})


@dataclass(frozen=True)
class Stored:
    """A command's state as the store holds it."""

    id: str
    seq: int
    kind: str
    payload: bytes
    expires: str
    status: str
    detail: str


def _stored(row: Row[Any]) -> Stored:
    """Return a row of the commands table as a plain value."""
    return Stored(row.id, row.seq, row.kind, row.payload, row.expires, row.status, row.detail)


def last_seq(store: Store) -> int:
    """Return the highest sequence number ever received (0: none)."""
    with db.read(store.engine) as conn:
        return int(conn.execute(select(func.coalesce(func.max(CommandRow.seq), 0))).scalar_one())


def find(store: Store, command_id: str) -> Stored | None:
    """Return a command by id, or None."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(CommandRow).where(CommandRow.id == command_id)).first()
    return _stored(row) if row is not None else None


def receive(store: Store, command: Command, payload: bytes) -> None:
    """Keep a verified command, and its signed bytes, as delivered."""
    with db.write(store.engine) as conn:
        conn.execute(insert(CommandRow).values(
            id=command.id, seq=command.seq, kind=command.kind, payload=payload, expires=command.expires,
            status="delivered", detail="", received_at=store.now(), done_at=None, reported=None))


def due(store: Store, kinds: frozenset[str], now: datetime) -> list[Stored]:
    """Expire delivered commands past their time, then return the delivered ones of ``kinds`` in sequence order.

    Called on every turn of the agent's pump and the kiosk's poll: the write lock is taken only when
    a command has actually expired.
    """
    with db.read(store.engine) as conn:
        delivered = [_stored(row) for row in conn.execute(
            select(CommandRow).where(CommandRow.status == "delivered").order_by(CommandRow.seq))]
    lapsed = [c.id for c in delivered if datetime.fromisoformat(c.expires) <= now]
    if lapsed:
        with db.write(store.engine) as conn:
            conn.execute(update(CommandRow).where(CommandRow.id.in_(lapsed), CommandRow.status == "delivered")
                         .values(status="expired", detail="expired before it could run", done_at=store.now()))
    return [c for c in delivered if c.id not in lapsed and c.kind in kinds]


def latest(store: Store, kinds: frozenset[str], status: str = "succeeded") -> Stored | None:
    """Return the newest command of ``kinds`` in ``status`` (e.g. the last maintenance switch that ran), or None."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(CommandRow).where(CommandRow.kind.in_(kinds), CommandRow.status == status)
                           .order_by(CommandRow.seq.desc()).limit(1)).first()
    return _stored(row) if row is not None else None


def of_status(store: Store, status: str) -> list[Stored]:
    """Return the commands in ``status``, in sequence order."""
    with db.read(store.engine) as conn:
        rows = conn.execute(select(CommandRow).where(CommandRow.status == status).order_by(CommandRow.seq))
        return [_stored(row) for row in rows]


def set_status(store: Store, command_id: str, status: str, detail: str = "") -> None:
    """Move a command to ``status`` (running, succeeded, failed) with a short detail for ops."""
    done = store.now() if status in FINAL else None
    with db.write(store.engine) as conn:
        conn.execute(update(CommandRow).where(CommandRow.id == command_id).values(
            status=status, detail=detail[:300], done_at=done))


def unreported(store: Store) -> list[Stored]:
    """Return commands whose current state central has not heard yet, in sequence order."""
    with db.read(store.engine) as conn:
        rows = conn.execute(select(CommandRow).where(
            (CommandRow.reported.is_(None)) | (CommandRow.reported != CommandRow.status)).order_by(CommandRow.seq))
        return [_stored(row) for row in rows]


def reported(store: Store, command_id: str, status: str) -> None:
    """Note that central has heard ``status`` of a command."""
    with db.write(store.engine) as conn:
        conn.execute(update(CommandRow).where(CommandRow.id == command_id).values(reported=status))


def report_again(store: Store, command_id: str) -> None:
    """Forget that central heard a command's state (central re-sent it): the agent reports it once more."""
    with db.write(store.engine) as conn:
        conn.execute(update(CommandRow).where(CommandRow.id == command_id).values(reported=None))
