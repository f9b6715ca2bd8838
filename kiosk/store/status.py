"""Central's word on this terminal's applications: applied as it arrives, read by the progress query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.sqlite import insert

from domain.lifecycle import State
from kiosk.store import database as db
from kiosk.store.errors import RecordNotFound
from kiosk.store.models import ApplicationRow, OutboxRow, OutboxStatus, StatusRow
from kiosk.store.store import Store


@dataclass(frozen=True)
class Status:
    """What central last said of one application, and when this terminal heard it."""

    state: State
    reason: str
    owed: tuple[str, ...]
    changed_at: str
    heard_at: str
    due: str = ""  # the last day to hand in what is owed (YYYY-MM-DD), or empty


@dataclass(frozen=True)
class Found:
    """One local application as the progress query sees it: its metadata, its ack, central's word."""

    offering_code: str
    state: State
    created_at: str
    acked_at: str | None
    parked: bool  # central refused it, or it cannot be read here: a clerk must look at it
    status: Status | None


def by_number(store: Store, number: str) -> Found | None:
    """Return the application of this terminal with receipt ``number`` (None: not made here)."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(ApplicationRow.id, ApplicationRow.offering_code, ApplicationRow.state,
                                  ApplicationRow.created_at, OutboxRow.acked_at, OutboxRow.status)
                           .outerjoin(OutboxRow, OutboxRow.record_id == ApplicationRow.id)
                           .where(ApplicationRow.number == number)).first()
    if row is None:
        return None
    return Found(row.offering_code, State(row.state), row.created_at, row.acked_at,
                 row.status == OutboxStatus.NEEDS_MANUAL, of(store, row.id))


def apply(store: Store, application_id: str, state: State, *, reason: str, owed: str, changed_at: str,
          due: str = "") -> None:
    """Take central's new state for a local application (an older word than the one kept changes nothing)."""
    with db.write(store.engine) as conn:
        if conn.execute(select(ApplicationRow.id).where(ApplicationRow.id == application_id)).first() is None:
            raise RecordNotFound(f"no application {application_id} on this terminal")
        kept = conn.execute(select(StatusRow.changed_at).where(StatusRow.application_id == application_id)).scalar()
        if kept is not None and kept > changed_at:
            return
        values = {"state": state.value, "reason": reason, "owed": owed, "changed_at": changed_at,
                  "heard_at": store.now(), "due": due or None}
        conn.execute(insert(StatusRow).values(application_id=application_id, **values).on_conflict_do_update(
            index_elements=[StatusRow.application_id], set_=values))
        conn.execute(update(ApplicationRow).where(ApplicationRow.id == application_id).values(state=state.value))


def of(store: Store, application_id: str) -> Status | None:
    """Return what central last said of an application (None: nothing since its receipt)."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(StatusRow.state, StatusRow.reason, StatusRow.owed, StatusRow.changed_at,
                                  StatusRow.heard_at, StatusRow.due)
                           .where(StatusRow.application_id == application_id)).first()
    if row is None:
        return None
    return Status(State(row.state), row.reason, tuple(m for m in row.owed.split(",") if m), row.changed_at,
                  row.heard_at, row.due or "")
