"""What a flush must look at again, so its cost follows what changed rather than the size of the fleet (#27 §1).

A terminal's state depends only on its presence, its last heartbeat and when that came, its
registry entry, and the clock through one threshold (silent for ``MISSED_BEATS`` intervals). So a
flush assesses again only the terminals the intake heard from (``intake.Latest`` names them), those
whose registry entry changed, and those whose silence deadline (kept in a heap) has passed; every
other terminal keeps its row object, and nothing is compared over the whole fleet. The registry is
read again only when a one-row fingerprint of it changes (or once a minute).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from central.monitor.health import MISSED_BEATS
from central.monitor.rows import Registered
from central.platform.schema import terminals

REGISTRY_EVERY = timedelta(minutes=1)  # the registry is read whole at least this often
FINGERPRINT = select(func.count(), func.max(terminals.c.registered_at), func.count(terminals.c.revoked_at),
                     func.max(terminals.c.revoked_at), func.count(terminals.c.maintenance_since),
                     func.max(terminals.c.maintenance_since), func.count(terminals.c.retired_at),
                     func.max(terminals.c.retired_at))


@dataclass
class Changes:
    """When each silent terminal's state changes by itself, and which registry entries changed since last asked."""

    interval: timedelta
    deadlines: list[tuple[datetime, str]] = field(default_factory=list)  # a heap: (when silence counts, terminal)
    due: dict[str, datetime] = field(default_factory=dict)  # each terminal's current deadline (older ones are stale)
    moved: set[str] = field(default_factory=set)  # registry entries that changed, came or went since last asked
    fingerprint: tuple[Any, ...] | None = None
    read_at: datetime | None = None

    def registry_stale(self, conn: Connection, now: datetime) -> bool:
        """Return whether the registry must be read again (it changed, or a minute has passed)."""
        mark = tuple(conn.execute(FINGERPRINT).one())
        stale = mark != self.fingerprint or self.read_at is None or now - self.read_at >= REGISTRY_EVERY
        if stale:
            self.fingerprint, self.read_at = mark, now
        return stale

    def registry(self, conn: Connection, now: datetime, known: dict[str, Registered]) -> dict[str, Registered]:
        """Return hall, site and standing of every registered terminal: ``known`` unless the registry changed.

        A read keeps the entries that did not change (the same objects) and notes the ones that did.
        """
        if not self.registry_stale(conn, now):
            return known
        rows = conn.execute(select(terminals.c.id, terminals.c.hall, terminals.c.site, terminals.c.revoked_at,
                                   terminals.c.maintenance_since, terminals.c.retired_at))
        read = {r.id: Registered(r.hall, r.site, revoked=r.revoked_at is not None,
                                 maintenance=r.maintenance_since is not None, retired=r.retired_at is not None)
                for r in rows}
        self.moved |= {t for t, entry in read.items() if known.get(t) != entry} | (known.keys() - read.keys())
        return {t: known[t] if t not in self.moved else entry for t, entry in read.items()}

    def to_assess(self, heard: set[str], seen: Mapping[str, Any], registry: Mapping[str, Registered],
                  now: datetime) -> set[str] | None:
        """Return the terminals to assess again at ``now``, or None when one left the fleet (assess every one).

        ``heard``: the terminals whose latest changed; with them, those whose registry entry changed and
        those whose silence deadline has passed.
        """
        again, self.moved = heard | self.moved, set()
        while self.deadlines and self.deadlines[0][0] < now:
            when, terminal = heapq.heappop(self.deadlines)
            if self.due.get(terminal) == when:  # not a deadline a later heartbeat moved on
                again.add(terminal)
                del self.due[terminal]
        if any(terminal not in seen and terminal not in registry for terminal in again):
            return None
        return again

    def assessed(self, terminal: str, latest: Any) -> None:
        """Remember when the silence of ``terminal``, assessed on ``latest``, will count."""
        beat_at = latest.beat_at if latest is not None else None
        if beat_at is None:
            self.due.pop(terminal, None)
            return
        deadline = beat_at + self.interval * MISSED_BEATS
        if self.due.get(terminal) != deadline:
            self.due[terminal] = deadline
            heapq.heappush(self.deadlines, (deadline, terminal))

    def forget(self) -> None:
        """Drop every remembered deadline and change: the next flush assesses every terminal."""
        self.deadlines.clear()
        self.due.clear()
        self.moved.clear()
