"""What a flush must look at again, so its cost follows what changed rather than the size of the fleet (#27 §1).

A terminal's state depends only on its presence, its last heartbeat and when that came, its
registry entry, and the clock through one threshold (silent for ``MISSED_BEATS`` intervals). So a
flush assesses again only the terminals whose inputs are not the ones last assessed, and those
whose silence deadline (kept in a heap) has passed; every other terminal keeps its row object.
The registry is read again only when a one-row fingerprint of it changes (or once a minute).
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
    """The inputs each terminal was last assessed on, and when a silent one's state changes by itself."""

    interval: timedelta
    inputs: dict[str, tuple[Any, Any, datetime | None, Registered]] = field(default_factory=dict)
    deadlines: list[tuple[datetime, str]] = field(default_factory=list)  # a heap: (when silence counts, terminal)
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
        """Return hall, site and standing of every registered terminal: ``known`` unless the registry changed."""
        if not self.registry_stale(conn, now):
            return known
        rows = conn.execute(select(terminals.c.id, terminals.c.hall, terminals.c.site, terminals.c.revoked_at,
                                   terminals.c.maintenance_since, terminals.c.retired_at))
        return {r.id: Registered(r.hall, r.site, revoked=r.revoked_at is not None,
                                 maintenance=r.maintenance_since is not None, retired=r.retired_at is not None)
                for r in rows}

    def to_assess(self, seen: Mapping[str, Any], registry: Mapping[str, Registered], now: datetime,
                  unregistered: Registered) -> set[str] | None:
        """Return the terminals to assess again at ``now``, or None when the set of terminals itself changed."""
        if len(self.inputs) != len(registry.keys() | seen.keys()):
            return None
        again = set()
        for terminal, last in self.inputs.items():
            latest, info = seen.get(terminal), registry.get(terminal, unregistered)
            if latest is None and terminal not in registry:
                return None  # a terminal left the fleet
            presence, beat, beat_at = (latest.presence, latest.beat, latest.beat_at) if latest else (None, None, None)
            if last[0] is not presence or last[1] is not beat or last[2] != beat_at or last[3] != info:
                again.add(terminal)
        while self.deadlines and self.deadlines[0][0] < now:
            again.add(heapq.heappop(self.deadlines)[1])
        return again

    def assessed(self, terminal: str, latest: Any, info: Registered) -> None:
        """Remember what ``terminal`` was assessed on, and when its silence will count."""
        beat_at = latest.beat_at if latest is not None else None
        self.inputs[terminal] = (latest.presence if latest else None, latest.beat if latest else None, beat_at, info)
        if beat_at is not None:
            heapq.heappush(self.deadlines, (beat_at + self.interval * MISSED_BEATS, terminal))

    def forget(self) -> None:
        """Drop every remembered input: the next flush assesses every terminal."""
        self.inputs.clear()
        self.deadlines.clear()
