"""The fleet in "needs action first" order and its counts, kept up to date as terminals change (#27 §1).

A flush moves only the terminals it assessed again (and those whose live alerts came or went)
to their new places in a sorted list of keys, and adjusts the counts by state, hall, site and
catalog version by their differences: nothing is sorted or counted over the whole fleet per flush
or per request. Pages are read from a key on (keyset pagination), so a terminal that changes place
between two pages is neither lost nor listed twice because of the others.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from central.monitor.rows import HallCount, State, TerminalStatus

Key = tuple[int, str]  # (place, terminal): the order every list of terminals shows
ALERTED = 2 * State.DEGRADED.rank + 1  # an online terminal with a live alert: just after the degraded ones
URGENT = 2 * State.REVOKED.rank  # places before this one need action (offline, degraded, alerted)
Keep = Callable[[TerminalStatus], bool]


def place(row: TerminalStatus, alerted: bool) -> int:
    """Return where ``row`` is listed: by its state, needing action first; an alerted online one after the degraded."""
    return ALERTED if alerted and row.state is State.ONLINE else 2 * row.state.rank


def cursor(key: Key) -> str:
    """Return a page's cursor: the key of its last terminal, as text."""
    return f"{key[0]}.{key[1]}"


def key_of(text: str) -> Key:
    """Return the key a cursor names (ValueError: not a cursor)."""
    where, _, terminal = text.partition(".")
    if not where.isdigit() or not terminal:
        raise ValueError(f"not a cursor: {text!r}")
    return int(where), terminal


@dataclass(frozen=True, slots=True)
class Counts:
    """The fleet's counts at one flush: the outbox backlog, by state, by hall, site types, catalog versions served."""

    total: int
    backlog: int  # entries waiting in every terminal's outbox, by their latest heartbeats
    by_state: dict[State, int]
    halls: tuple[HallCount, ...]
    sites: tuple[str, ...]
    catalogs: tuple[tuple[str, int], ...]  # version and terminals serving it, most terminals first


class Order:
    """Every terminal's key in sorted order, its row and the counts, updated by the terminals that changed."""

    def __init__(self) -> None:
        """Start empty."""
        self.lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        """Forget every terminal and count."""
        self.keys: list[Key] = []
        self.rows: Mapping[str, TerminalStatus] = {}
        self._key: dict[str, Key] = {}
        self._counted: dict[str, tuple[State, str, str, str | None, int]] = {}  # state, hall, site, catalog, backlog
        self._states: Counter[State] = Counter()
        self._halls: dict[str, Counter[State]] = {}
        self._sites: Counter[str] = Counter()
        self._catalogs: Counter[str] = Counter()
        self._backlog = 0
        self.counts = Counts(0, 0, {}, (), (), ())

    def update(self, rows: Mapping[str, TerminalStatus], names: Iterable[str] | None, alerted: Collection[str],
               catalog: Callable[[str], str | None]) -> None:
        """Take ``rows`` (the whole fleet), placing again the terminals ``names`` (None: every terminal, anew)."""
        with self.lock:
            if names is None:
                self._clear()  # a fresh start: counting from nothing, sorting once
                self.keys = sorted((place(r, r.terminal in alerted), t) for t, r in rows.items())
                self._key = {k[1]: k for k in self.keys}
                names = rows
            else:
                for terminal in names:
                    self._move(terminal, rows.get(terminal), alerted)
            for terminal in names:
                self._count(terminal, rows.get(terminal), catalog(terminal))
            self.rows = rows
            self.counts = self._counts()

    def _move(self, terminal: str, row: TerminalStatus | None, alerted: Collection[str]) -> None:
        """Put ``terminal`` at its place (nowhere: it left the fleet)."""
        old = self._key.pop(terminal, None)
        new = None if row is None else (place(row, terminal in alerted), terminal)
        if old == new:
            if new is not None:
                self._key[terminal] = new
            return
        if old is not None:
            del self.keys[bisect_left(self.keys, old)]
        if new is not None:
            insort(self.keys, new)
            self._key[terminal] = new

    def _count(self, terminal: str, row: TerminalStatus | None, catalog: str | None) -> None:
        """Count ``terminal`` as it is now instead of as it was."""
        now = None if row is None else (row.state, row.hall, row.site, catalog, row.backlog or 0)
        before = self._counted.pop(terminal, None)
        if before == now:
            if now is not None:
                self._counted[terminal] = now
            return
        for sign, counted in ((-1, before), (1, now)):
            if counted is not None:
                state, hall, site, version, backlog = counted
                self._backlog += sign * backlog
                self._states[state] += sign
                self._halls.setdefault(hall, Counter())[state] += sign
                self._sites[site] += sign
                if version is not None:
                    self._catalogs[version] += sign
        if now is not None:
            self._counted[terminal] = now

    def _counts(self) -> Counts:
        """Return the counts as they stand (each a handful of entries: states, halls, sites, versions)."""
        halls = tuple(HallCount(hall, counts.total(), counts[State.ONLINE], {s: n for s, n in counts.items() if n})
                      for hall, counts in sorted(self._halls.items()) if counts.total())
        return Counts(len(self.keys), self._backlog, {s: n for s, n in self._states.items() if n}, halls,
                      tuple(sorted(site for site, n in self._sites.items() if n and site)),
                      tuple(sorted(((v, n) for v, n in self._catalogs.items() if n), key=lambda p: (-p[1], p[0]))))

    def page(self, limit: int, *, after: Key | None = None, keep: Keep | None = None,
             before: int | None = None) -> tuple[list[TerminalStatus], Key | None]:
        """Return up to ``limit`` rows that ``keep`` keeps, from after ``after`` on, and the key to go on from.

        ``before``: only places before this one (the terminals needing action: ``URGENT``). The key is None
        when nothing more matches.
        """
        chosen: list[TerminalStatus] = []
        with self.lock:
            keys, rows = self.keys, self.rows
            for key in keys[0 if after is None else bisect_right(keys, after):]:
                if before is not None and key[0] >= before:
                    break
                row = rows[key[1]]
                if keep is None or keep(row):
                    if len(chosen) == limit:
                        return chosen, self._key[chosen[-1].terminal] if chosen else None
                    chosen.append(row)
        return chosen, None

    def count(self, keep: Keep) -> int:
        """Return how many terminals ``keep`` keeps (a pass over the fleet: for filters the counts cannot answer)."""
        with self.lock:
            return sum(1 for row in self.rows.values() if keep(row))
