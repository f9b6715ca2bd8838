"""The technician's actions at a terminal, copied from its heartbeats into central's audit log, each once.

A terminal repeats its technician's latest 20 actions (codes and times only: never a PIN, a token or
a value) in every heartbeat. The monitor hands each terminal's list here when it changed; the lines
central does not hold yet are appended to ``ops_audit`` under the user ``technician@<terminal>``
(no ops account can be called that), so the audit page and the terminal's page show who did what
at the terminal beside what ops did at central. Compared by (time, action), not by "newer than the
last": a terminal whose clock was corrected backwards still has its later actions recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from central.platform.schema import AUDIT_KEEP, ops_audit
from protocol.heartbeat import REFUSED_ACTIONS, TECHNICIAN_ACTIONS, Audited

PREFIX = "technician@"
ADDRESS = "at the terminal"
CHUNK = 500  # terminals a query
MARGIN = timedelta(days=2)  # wider than any two UTC offsets apart
AHEAD = timedelta(days=1)  # a terminal's clock may run this far ahead of central's


def user_of(terminal: str) -> str:
    """Return the audit log's user for the technician at ``terminal``."""
    return f"{PREFIX}{terminal}"


class TechnicianLog:
    """Appends the new technician actions of changed heartbeats to the audit log; remembers each list it wrote."""

    def __init__(self, engine: Engine) -> None:
        """Write into central's database at ``engine``."""
        self.engine = engine
        self._written: dict[str, int] = {}  # per terminal, a digest of the list last recorded (not the list: 100k)

    def record(self, reported: Mapping[str, Sequence[Audited] | None], now: datetime) -> int:
        """Record what each terminal's list adds to the log; return how many lines were appended.

        Only known action codes stamped within the audit log's retention and no later than a day
        ahead of ``now`` are taken: a terminal cannot write other lines, date one to stay on top
        of a page, or have one the retention removed written again at every restart.
        """
        changed = {t: _credible(actions, now) for t, actions in reported.items()
                   if actions and self._written.get(t) != _digest(actions)}
        digests = {t: _digest(actions) for t, actions in reported.items() if actions and t in changed}
        terminals = sorted(t for t, actions in changed.items() if actions)
        appended = 0
        for n in range(0, len(terminals), CHUNK):  # after a restart every terminal's list is new: a chunk a query
            chunk = {t: changed[t] for t in terminals[n:n + CHUNK]}
            with self.engine.begin() as conn:
                held = _held(conn, chunk)
                lines = [_line(t, a) for t, actions in chunk.items() for a in actions
                         if (user_of(t), a.at, a.action) not in held]
                if lines:
                    conn.execute(insert(ops_audit), lines)
            appended += len(lines)
        self._written.update(digests)
        return appended


def _digest(actions: Sequence[Audited]) -> int:
    """Return what tells one reported list from another."""
    return hash(tuple((a.at, a.action) for a in actions))


def _credible(actions: Sequence[Audited], now: datetime) -> tuple[Audited, ...]:
    """Return the actions with a known code and a time between the retention's start and a day ahead of ``now``."""
    earliest, latest = now - AUDIT_KEEP, now + AHEAD
    return tuple(a for a in actions if a.action in TECHNICIAN_ACTIONS
                 and earliest <= datetime.fromisoformat(a.at) <= latest)


def _held(conn: Connection, reported: Mapping[str, tuple[Audited, ...]]) -> set[tuple[str, str, str]]:
    """Return the (user, time, action) lines the log already holds of these terminals' reported actions."""
    earliest = min(datetime.fromisoformat(a.at) for actions in reported.values() for a in actions)
    since = (earliest - MARGIN).isoformat()  # times are compared as text, in whatever offset each terminal wrote
    query = select(ops_audit.c.user, ops_audit.c.at, ops_audit.c.action).where(
        ops_audit.c.user.in_([user_of(t) for t in reported]), ops_audit.c.at >= since)
    return {(r.user, r.at, r.action) for r in conn.execute(query)}


def _line(terminal: str, action: Audited) -> dict[str, Any]:
    """Return the audit line of one technician action at ``terminal`` (a wrong PIN or refused card: refused)."""
    return {"at": action.at, "user": user_of(terminal), "action": action.action, "target": terminal,
            "outcome": "refused" if action.action in REFUSED_ACTIONS else "ok", "address": ADDRESS}


def actions_at(engine: Engine, terminal: str, limit: int = 20) -> list[dict[str, Any]]:
    """Return the technician's latest ``limit`` actions at ``terminal``, newest first (time and code)."""
    query = (select(ops_audit.c.at, ops_audit.c.action).where(ops_audit.c.user == user_of(terminal))
             .order_by(ops_audit.c.at.desc()).limit(limit))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]
