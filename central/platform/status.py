"""The back office's word on an application: a change of state, checked by the lifecycle, sent back to its terminal.

A received application is ``received`` until the back office says otherwise. A change names the
state wanted; the lifecycle (domain/lifecycle.py) must have an event leading there from the state
now, a refusal, a denial or a request to supplement must say why (the citizen is told), and only
a request to supplement may list owed materials. One transaction stores the new state, appends the
change, writes the audit line and queues a signed ``application_status`` command for the
originating terminal (persistent: the dispatcher sends it while the terminal is online, and again
when it comes back), so the terminal's record and a progress query there follow central. A 秒批 application its rules
approve is accepted and approved by ``approve_instantly`` in the transaction that stores it, with
one command carrying the approval down at once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from central.platform import commands as book
from central.platform.catalogs import CatalogArchive
from central.platform.schema import application_changes, application_status, fleet_commands, messages
from domain.application import DEFAULT_SUPPLEMENT_DAYS
from domain.calendar import WorkingCalendar
from domain.lifecycle import NEEDS_REASON, TRANSITIONS, Event, State, next_state
from protocol.command import CONTROL

DELIVERY = timedelta(days=90)  # a terminal away longer gets the state from a progress query instead
MATERIAL = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
MAX_REASON = 200  # also the most a command argument holds
MAX_SUPPLEMENT_DAYS = 60
INSTANT = "instant"  # who decided a 秒批 application: its item's rules, in the change log and the audit
PERSONAL = re.compile(r"\d{11,}|\d{17}[0-9Xx]")  # an 11-digit phone number or an 18-character ID number


class StatusError(ValueError):
    """A change the back office asked for that cannot be made; the message says why."""


@dataclass(frozen=True)
class Change:
    """What the back office asks: a state for an application (by receipt number or id), why, and by whom."""

    application: str
    state: str
    by: str
    reason: str = ""
    owed: tuple[str, ...] = ()
    address: str = ""  # where it was asked from, for the audit log
    days: int = DEFAULT_SUPPLEMENT_DAYS  # a supplement request: working days to hand the materials in


def _event(now_in: State, wanted: State) -> Event:
    """Return the lifecycle event leading from ``now_in`` to ``wanted`` (the back office's events only)."""
    for (source, event), target in TRANSITIONS.items():
        if source is now_in and target is wanted and event not in {Event.SUBMIT, Event.DISCARD, Event.ACKNOWLEDGE}:
            return event
    allowed = sorted(t.value for (s, e), t in TRANSITIONS.items() if s is now_in and e is not Event.ACKNOWLEDGE)
    raise StatusError(f"an application that is {now_in} cannot become {wanted} "
                      f"(it can become: {', '.join(allowed) or 'nothing: it is closed'})")


def _checked(change: Change) -> tuple[State, str, str]:
    """Return the wanted state, the reason and the owed list as stored, or refuse them."""
    try:
        wanted = State(change.state)
    except ValueError:
        raise StatusError(f"{change.state!r} is not a state: {', '.join(s.value for s in State)}") from None
    reason = change.reason.strip()
    if len(reason) > MAX_REASON or CONTROL.search(reason):
        raise StatusError(f"the reason is at most {MAX_REASON} characters of plain text")
    if PERSONAL.search(reason):
        raise StatusError("the reason looks like it holds an ID or phone number: anyone with the receipt reads it")
    bad = [m for m in change.owed if not MATERIAL.match(m)]
    if bad:
        raise StatusError(f"{bad[0]!r} is not a material id")
    if change.owed and wanted is not State.NEEDS_SUPPLEMENT:
        raise StatusError("materials are owed only by an application that needs a supplement")
    owed = ",".join(dict.fromkeys(change.owed))
    if len(owed) > MAX_REASON:
        raise StatusError(f"the owed materials' ids take at most {MAX_REASON} characters in all")
    return wanted, reason, owed


def _current(conn: Connection, application: str) -> Any:
    """Return the application's id, terminal and number, and its state (None: received, no change yet)."""
    ref = application.strip()
    row = conn.execute(select(messages.c.id, messages.c.terminal, messages.c.number).where(
        messages.c.kind == "application", or_(messages.c.number == ref.upper(), messages.c.id == ref))).first()
    if row is None:
        raise StatusError(f"no application {application} has reached central")
    state = conn.execute(select(application_status.c.state).where(
        application_status.c.application == row.id)).scalar()
    return row, State(state) if state is not None else None


def change(engine: Engine, asked: Change, now: datetime, calendar: WorkingCalendar | None = None) -> State:
    """Make one change of state (refused with a reason if the lifecycle forbids it); return the new state.

    A supplement's deadline counts working days on ``calendar`` (the newest published catalog's; by default
    the bundled one's).
    """
    try:
        return _change(engine, asked, now, calendar or bundled_calendar())
    except IntegrityError:  # another change of the same application committed first
        raise StatusError(f"{asked.application} was changed by someone else just now: look again") from None


def _change(engine: Engine, asked: Change, now: datetime, calendar: WorkingCalendar) -> State:
    """Make the change in one transaction, only from the state it was decided on."""
    wanted, reason, owed = _checked(asked)
    with engine.begin() as conn:
        row, changed = _current(conn, asked.application)
        event = _event(changed or State.RECEIVED, wanted)
        if event in NEEDS_REASON and not reason:
            raise StatusError(f"say why ({event.value}): the citizen is told the reason")
        due = _due(asked, now, calendar) if wanted is State.NEEDS_SUPPLEMENT else None
        _record(conn, row, changed, (event, wanted), asked, now=now, reason=reason, owed=owed, due=due)
    return wanted


def supplemented(conn: Connection, application: str, by: str, now: datetime) -> None:
    """Take the applicant's 补齐 in the caller's transaction: back to the acceptance check, its terminal told.

    Raise IllegalTransition (nothing changed) unless the application needs a supplement.
    """
    row, changed = _current(conn, application)
    wanted = next_state(changed or State.RECEIVED, Event.SUPPLEMENT)
    _record(conn, row, changed, (Event.SUPPLEMENT, wanted), Change(application, wanted.value, by), now=now)


def _record(conn: Connection, row: Any, changed: State | None, step: tuple[Event, State], asked: Change, *,
            now: datetime, reason: str = "", owed: str = "", due: str | None = None) -> None:
    """Store the new state, append the change, audit it and queue its command for the application's terminal."""
    event, wanted = step
    args = {"application": row.id, "state": wanted.value, "reason": reason, "owed": owed}
    if due:  # a fifth argument: terminals from before 补齐 deadlines (at most 4) refuse it, and are told online
        args["due"] = due
    command = _queue_for_terminal(conn, row.terminal, args, asked, now)
    values = {"state": wanted.value, "reason": reason, "owed": owed, "due": due, "changed_at": now.isoformat(),
              "changed_by": asked.by[:64]}
    if changed is None:  # the first change: a second one racing it fails on the primary key
        conn.execute(insert(application_status).values(application=row.id, terminal=row.terminal,
                                                       number=row.number, **values))
    elif not conn.execute(update(application_status).where(application_status.c.application == row.id,
                                                           application_status.c.state == changed.value)
                          .values(**values)).rowcount:
        raise StatusError(f"{asked.application} was changed by someone else just now: look again")
    conn.execute(insert(application_changes).values(application=row.id, event=event.value, state=wanted.value,
                                                    reason=reason, at=now.isoformat(), by=asked.by[:64],
                                                    command=command))
    book.audit(conn, asked.by, f"status:{event.value}", row.number, outcome="ok", now=now, address=asked.address)


def _due(asked: Change, now: datetime, calendar: WorkingCalendar) -> str:
    """Return the last day to hand in what is owed: ``asked.days`` working days on ``calendar``."""
    if not 1 <= asked.days <= MAX_SUPPLEMENT_DAYS:
        raise StatusError(f"a supplement takes 1 to {MAX_SUPPLEMENT_DAYS} working days")
    return calendar.add_working_days(now.date(), asked.days).isoformat()


@functools.cache
def bundled_calendar() -> WorkingCalendar:
    """Return the bundled catalog's working calendar (when no published catalog is given)."""
    return CatalogArchive.published(None).newest().calendar


def _queue_for_terminal(conn: Connection, terminal: str, args: dict[str, str], asked: Change, now: datetime) -> str:
    """Queue the signed command that carries the change to the application's terminal; return its id."""
    request = book.Request("application_status", f"terminal:{terminal}", asked.by, args, lifetime=DELIVERY,
                           address=asked.address)
    try:
        book.check(request, now, by_hand=False)
    except book.CommandRequestError as exc:  # what the terminal could not open: refused here, for this change
        raise StatusError(str(exc)) from None
    rollout, _ = book.create_in(conn, request, now, [terminal])
    return str(conn.execute(select(fleet_commands.c.id).where(fleet_commands.c.rollout == rollout)).scalar_one())


def history(engine: Engine, application: str) -> list[dict[str, Any]]:
    """Return an application's changes of state, oldest first, each with its delivery to the terminal."""
    with engine.connect() as conn:
        row, _ = _current(conn, application)
        rows = conn.execute(select(application_changes, fleet_commands.c.status.label("delivery"))
                            .outerjoin(fleet_commands, fleet_commands.c.id == application_changes.c.command)
                            .where(application_changes.c.application == row.id)
                            .order_by(application_changes.c.n)).mappings().all()
    return [dict(r) for r in rows]


def approve_instantly(conn: Connection, application: str, terminal: str, number: str, now: datetime) -> None:
    """Accept and approve a just-stored 秒批 application in the caller's transaction; send the approval down."""
    state = next_state(next_state(State.RECEIVED, Event.ACCEPT), Event.APPROVE)
    args = {"application": application, "state": state.value, "reason": "", "owed": ""}
    command = _queue_for_terminal(conn, terminal, args, Change(application, state.value, INSTANT), now)
    conn.execute(insert(application_status).values(application=application, terminal=terminal, number=number,
                                                   state=state.value, reason="", owed="", changed_at=now.isoformat(),
                                                   changed_by=INSTANT))
    conn.execute(insert(application_changes), [
        {"application": application, "event": event.value, "state": reached.value, "reason": "",
         "at": now.isoformat(), "by": INSTANT, "command": sent}
        for event, reached, sent in ((Event.ACCEPT, State.ACCEPTED, None), (Event.APPROVE, state, command))])
    book.audit(conn, INSTANT, f"status:{Event.APPROVE.value}", number, outcome="ok", now=now)
