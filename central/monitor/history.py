"""Each terminal's state and backlog over time, downsampled for charts: 24 h by the minute, 30 days by the hour.

A row holds one period of one terminal at one resolution as slots (an hour of minutes, or a day
of hours). Each slot keeps the worst state sampled, how many samples were taken, how many of
them could take applications, and the largest outbox backlog. The monitor samples every terminal
once a minute and a terminal whose state changed at once (a heartbeat with nothing new only raises
its slot's backlog peak), so a steady fleet costs one pass a minute, not one a flush. Periods in
progress live in memory (compact arrays: 10 000 terminals take a few MB) and are written every
``checkpoint`` and when they close, so a crash loses at most that much. Rows older than their
resolution's retention are deleted.
"""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select

from central.monitor.rows import State, TerminalStatus
from central.platform.schema import fleet_history

log = logging.getLogger(__name__)
CODES = {State.ONLINE: "o", State.MAINTENANCE: "m", State.REVOKED: "r", State.RETIRED: "g", State.DEGRADED: "d",
         State.OFFLINE: "x"}
NAMES = {code: state.value for state, code in CODES.items()}
NO_DATA = "-"
RANK = {NO_DATA: len(State), **{code: state.rank for state, code in CODES.items()}}  # a slot keeps its most urgent
NO_BACKLOG = -1
CHUNK = 500  # terminals per DELETE … IN (…)


@dataclass(frozen=True)
class Resolution:
    """How finely one series is kept: slot length, slots per row, and how long rows are kept."""

    name: str
    slot: timedelta
    period: timedelta
    keep: timedelta

    def start(self, at: datetime) -> datetime:
        """Return the start of the period holding ``at``."""
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        return at - (at - epoch) % self.period

    @property
    def slots(self) -> int:
        """Return the slots in one period."""
        return self.period // self.slot


MINUTE = Resolution("minute", timedelta(minutes=1), timedelta(hours=1), timedelta(hours=25))
HOUR = Resolution("hour", timedelta(hours=1), timedelta(days=1), timedelta(days=31))
RESOLUTIONS = {r.name: r for r in (MINUTE, HOUR)}


@dataclass(slots=True)
class Period:
    """One terminal's slots in one period."""

    start: datetime
    states: bytearray
    samples: array[int]
    available: array[int]
    backlog: array[int]

    @classmethod
    def empty(cls, start: datetime, slots: int) -> Period:
        """Return a period with no data."""
        return cls(start, bytearray(NO_DATA.encode() * slots), array("I", bytes(4 * slots)),
                   array("I", bytes(4 * slots)), array("i", [NO_BACKLOG] * slots))

    def add(self, slot: int, state: State, backlog: int | None) -> None:
        """Count one sample in ``slot``."""
        code = CODES[state]
        if RANK[code] < RANK[chr(self.states[slot])]:
            self.states[slot] = ord(code)
        self.samples[slot] += 1
        self.available[slot] += state == State.ONLINE
        self.peak(slot, state, backlog)

    def peak(self, slot: int, state: State, backlog: int | None) -> None:
        """Raise ``slot``'s largest backlog to ``backlog`` (a heartbeat heard between samples; ``state`` unused)."""
        if backlog is not None and backlog > self.backlog[slot]:
            self.backlog[slot] = backlog

    def as_row(self, terminal: str, resolution: str) -> dict[str, Any]:
        """Return the period as a table row."""
        return {"terminal": terminal, "resolution": resolution, "period_start": self.start.isoformat(),
                "states": self.states.decode(), "samples": json.dumps(list(self.samples)),
                "available": json.dumps(list(self.available)),
                "backlog": json.dumps([b if b != NO_BACKLOG else None for b in self.backlog])}

    @classmethod
    def from_row(cls, row: Any) -> Period:
        """Rebuild a period from its table row."""
        return cls(datetime.fromisoformat(row.period_start), bytearray(row.states.encode()),
                   array("I", json.loads(row.samples)), array("I", json.loads(row.available)),
                   array("i", [NO_BACKLOG if b is None else b for b in json.loads(row.backlog)]))

    def points(self, resolution: Resolution) -> list[dict[str, Any]]:
        """Return the slots that hold data, as chart points."""
        return [{"at": (self.start + n * resolution.slot).isoformat(), "state": NAMES[chr(code)],
                 "available_pct": round(100 * self.available[n] / self.samples[n], 1),
                 "backlog": self.backlog[n] if self.backlog[n] != NO_BACKLOG else None}
                for n, code in enumerate(self.states) if self.samples[n]]


@dataclass
class History:
    """The series of every terminal at every resolution, sampled by the monitor."""

    engine: Engine
    checkpoint: timedelta = timedelta(minutes=5)
    live: dict[str, dict[str, Period]] = field(default_factory=lambda: {name: {} for name in RESOLUTIONS})
    _closed: list[tuple[str, str, Period]] = field(default_factory=list)
    _saved_at: datetime | None = None
    _minute: datetime | None = None  # the minute slot every terminal was last sampled in
    _sampled: dict[str, State] = field(default_factory=dict)  # each terminal's state as last sampled

    def load(self, now: datetime) -> None:
        """Resume the periods in progress from the database (after a restart)."""
        with self.engine.connect() as conn:
            for resolution in RESOLUTIONS.values():
                rows = conn.execute(select(fleet_history).where(and_(
                    fleet_history.c.resolution == resolution.name,
                    fleet_history.c.period_start == resolution.start(now).isoformat())))
                self.live[resolution.name] = {row.terminal: Period.from_row(row) for row in rows}

    def observe(self, rows: Mapping[str, TerminalStatus], touched: Collection[str] | None, now: datetime) -> set[str]:
        """Sample every terminal in a new minute, else those ``touched`` whose state changed; return those that failed.

        A touched terminal in the same state only raises its slot's backlog peak; ``touched`` None: any may have.
        """
        minute = now.replace(second=0, microsecond=0)
        if minute != self._minute:
            self._minute, self._sampled = minute, {t: r.state for t, r in rows.items()}
            return self.sample(rows.values(), now)
        changed: list[TerminalStatus] = []
        steady: list[TerminalStatus] = []
        for terminal in rows if touched is None else touched:
            row = rows.get(terminal)
            if row is not None:
                (steady if self._sampled.get(terminal) is row.state else changed).append(row)
        self._sampled.update((r.terminal, r.state) for r in changed)
        return self.sample(changed, now) | self.sample(steady, now, Period.peak)

    def sample(self, rows: Collection[TerminalStatus], now: datetime,
               count: Callable[[Period, int, State, int | None], None] = Period.add) -> set[str]:
        """Count one sample of each row's state and backlog at ``now``; return the terminals that failed.

        ``count``: how a row enters its slot (``Period.add`` a sample, ``Period.peak`` only its backlog).
        """
        failed = set()
        for resolution in RESOLUTIONS.values():
            start = resolution.start(now)
            slot = (now - start) // resolution.slot
            live = self.live[resolution.name]
            for row in rows:
                period = live.get(row.terminal)
                if period is None or period.start != start:
                    if period is not None:
                        self._closed.append((row.terminal, resolution.name, period))
                    period = live[row.terminal] = Period.empty(start, resolution.slots)
                try:
                    count(period, slot, row.state, row.backlog)
                except (OverflowError, TypeError):  # a backlog out of the array's range: one terminal, not all
                    log.exception("fleet history could not sample %s", row.terminal)
                    failed.add(row.terminal)
        return failed

    def save(self, now: datetime, *, force: bool = False) -> bool:
        """Write closed periods, and the ones in progress every ``checkpoint``; drop expired rows."""
        due = force or self._saved_at is None or now - self._saved_at >= self.checkpoint
        if not (due or self._closed):
            return False
        groups: dict[tuple[str, datetime], dict[str, Period]] = {}
        for terminal, resolution, period in self._closed:
            groups.setdefault((resolution, period.start), {})[terminal] = period
        if due:
            for resolution, live in self.live.items():
                for terminal, period in live.items():
                    groups.setdefault((resolution, period.start), {})[terminal] = period
        with self.engine.begin() as conn:
            for (resolution, start), periods in groups.items():
                names = list(periods)
                for n in range(0, len(names), CHUNK):  # a chunk at a time: 100,000 rows never sit in memory at once
                    chunk = names[n:n + CHUNK]
                    conn.execute(delete(fleet_history).where(and_(
                        fleet_history.c.resolution == resolution, fleet_history.c.period_start == start.isoformat(),
                        fleet_history.c.terminal.in_(chunk))))
                    conn.execute(insert(fleet_history), [periods[t].as_row(t, resolution) for t in chunk])
            for kept in RESOLUTIONS.values():
                conn.execute(delete(fleet_history).where(and_(
                    fleet_history.c.resolution == kept.name,
                    fleet_history.c.period_start < kept.start(now - kept.keep).isoformat())))
        self._closed.clear()
        if due:
            self._saved_at = now
        return True

    def series(self, terminal: str, resolution: str, since: datetime) -> list[dict[str, Any]]:
        """Return one terminal's chart points at ``resolution`` from ``since`` on, oldest first."""
        chosen = RESOLUTIONS[resolution]
        with self.engine.connect() as conn:
            rows = conn.execute(select(fleet_history).where(and_(
                fleet_history.c.terminal == terminal, fleet_history.c.resolution == resolution,
                fleet_history.c.period_start >= chosen.start(since).isoformat())))
            periods = {row.period_start: Period.from_row(row) for row in rows}
        current = self.live[resolution].get(terminal)
        if current is not None:
            periods[current.start.isoformat()] = current  # fresher than its last checkpoint
        points = [p for _, period in sorted(periods.items()) for p in period.points(chosen)]
        return [p for p in points if datetime.fromisoformat(p["at"]) + chosen.slot > since]

    def availability(self, since: datetime) -> dict[str, tuple[int, int]]:
        """Return, per terminal, (samples in which it could take applications, all samples) from ``since`` on.

        Read at the hour resolution (one row per terminal per day), with the periods in progress
        from memory; a slot counts when it ends after ``since``.
        """
        query = (select(fleet_history.c.terminal, fleet_history.c.period_start, fleet_history.c.samples,
                        fleet_history.c.available)
                 .where(fleet_history.c.resolution == HOUR.name,
                        fleet_history.c.period_start >= HOUR.start(since).isoformat()))
        periods: dict[tuple[str, str], tuple[datetime, list[int], list[int]]] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                periods[row.terminal, row.period_start] = (datetime.fromisoformat(row.period_start),
                                                           json.loads(row.samples), json.loads(row.available))
        for terminal, period in self.live[HOUR.name].items():
            periods[terminal, period.start.isoformat()] = (period.start, list(period.samples), list(period.available))
        totals: dict[str, tuple[int, int]] = {}
        for (terminal, _), (start, samples, available) in periods.items():
            first = max(0, (since - start) // HOUR.slot)
            up, seen = totals.get(terminal, (0, 0))
            totals[terminal] = (up + sum(available[first:]), seen + sum(samples[first:]))
        return totals
