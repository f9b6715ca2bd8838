"""What each page shows, built from the monitor's last flush: plain functions, testable without a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from central.dashboard.words import N_
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor
from central.monitor.order import Counts, Order
from central.monitor.rows import HallCount, State, TerminalStatus

SHOWN = 200  # terminals listed on the overview at most (the rest are counted)
HALL_COLUMNS = (State.ONLINE, State.DEGRADED, State.OFFLINE, State.MAINTENANCE)  # the halls page's count columns
WINDOWS = {"1h": ("minute", timedelta(hours=1), "%H:%M"), "24h": ("minute", timedelta(hours=24), "%H:%M"),
           "7d": ("hour", timedelta(days=7), "%m-%d")}  # chart windows: resolution, span, time label format
WINDOW_NAMES = {"1h": N_("1 hour"), "24h": N_("24 hours"), "7d": N_("7 days")}


@dataclass(frozen=True)
class Filters:
    """The overview's filters: hall, site type, state, and a search over terminal id and hall."""

    hall: str = ""
    site: str = ""
    state: str = ""
    q: str = ""

    def keep(self, row: TerminalStatus) -> bool:
        """Return whether ``row`` passes every filter."""
        needle = self.q.strip().lower()
        return ((not self.hall or row.hall == self.hall) and (not self.site or row.site == self.site)
                and (not self.state or row.state == self.state)
                and (not needle or needle in row.terminal.lower() or needle in (row.hall or "").lower()))


@dataclass
class OverviewView:
    """Counts, the filter choices, and the matching terminals (needing action first) with their live alerts."""

    at: datetime | None
    total: int
    by_state: dict[State, int]
    alerts_live: int
    halls: list[str]
    sites: list[str]
    rows: list[TerminalStatus] = field(default_factory=list)
    matching: int = 0
    alerts: dict[str, list[str]] = field(default_factory=dict)  # the live alert rules of each terminal, sorted
    catalogs: list[tuple[str, int]] = field(default_factory=list)  # catalog versions served, most terminals first


def _alerted(book: AlertBook) -> dict[str, list[str]]:
    """Return the live alert rules per terminal, sorted."""
    with book.lock:
        keys = list(book.alerts)
    alerted: dict[str, list[str]] = {}
    for rule, terminal in keys:
        alerted.setdefault(terminal, []).append(rule)
    return {terminal: sorted(rules) for terminal, rules in alerted.items()}


def _matching(counts: Counts, filters: Filters, order: Order) -> int:
    """Return how many terminals pass the filters: from the flush's counts, or a pass when a site or search is set."""
    if filters.site or filters.q.strip():
        return order.count(filters.keep)
    hall = next((h for h in counts.halls if h.hall == filters.hall), None) if filters.hall else None
    if filters.hall and hall is None:
        return 0
    by_state = hall.by_state if hall is not None else counts.by_state
    if filters.state:
        return sum(n for state, n in by_state.items() if state == filters.state)
    return hall.total if hall is not None else counts.total


def overview(monitor: FleetMonitor, book: AlertBook, filters: Filters) -> OverviewView:
    """Return the overview page's content: the counts, and the first page of the matching terminals."""
    order = monitor.ordered()
    counts, alerted = order.counts, _alerted(book)
    view = OverviewView(at=monitor.snapshot_at, total=counts.total, by_state=counts.by_state,
                        alerts_live=sum(len(v) for v in alerted.values()),
                        halls=[h.hall for h in counts.halls if h.hall], sites=list(counts.sites),
                        alerts=alerted, catalogs=list(counts.catalogs))
    keep = filters.keep if filters != Filters() else None
    view.rows = order.page(SHOWN, keep=keep)[0]
    view.matching = _matching(counts, filters, order)
    return view


HALL_SPANS = {"day": timedelta(hours=24), "week": timedelta(days=7)}
HALL_CACHE = timedelta(minutes=1)  # hourly figures: reading them once a minute is plenty


@dataclass(frozen=True, slots=True)
class HallShare:
    """One hall on the halls page: its counts, and the share of it able to take applications now, over a day, a week."""

    counts: HallCount
    pct: float  # of its terminals, at the last flush
    day: float | None  # of the samples over the last 24 hours (None: no samples)
    week: float | None  # of the samples over the last 7 days


class Halls:
    """Each hall's availability now and over a day and a week (the figures a hall director asks for)."""

    def __init__(self, monitor: FleetMonitor) -> None:
        """Read from ``monitor``'s last flush and its history."""
        self.monitor = monitor
        self._cache: dict[str, tuple[datetime, dict[str, float | None]]] = {}

    def _shares(self, span: str, now: datetime) -> dict[str, float | None]:
        """Return each hall's share of samples over ``span`` in which its terminals could take applications."""
        cached = self._cache.get(span)
        if cached is not None and now - cached[0] < HALL_CACHE:
            return cached[1]
        monitor = self.monitor
        halls_of = {r.terminal: r.hall for r in monitor.rows()}
        totals = monitor.history.availability(now - HALL_SPANS[span]) if monitor.history is not None else {}
        sums: dict[str, list[int]] = {}
        for terminal, (up, seen) in totals.items():
            hall = sums.setdefault(halls_of.get(terminal, ""), [0, 0])
            hall[0] += up
            hall[1] += seen
        shares = {hall: round(100 * up / seen, 1) if seen else None for hall, (up, seen) in sums.items()}
        self._cache[span] = (now, shares)
        return shares

    def rows(self, now: datetime | None = None) -> list[HallShare]:
        """Return one row per hall: terminals by state, the share available now, over a day and over a week."""
        now = now or datetime.now(UTC)
        halls = self.monitor.order.counts.halls if self.monitor.snapshot_at else ()
        day, week = self._shares("day", now), self._shares("week", now)
        return [HallShare(h, round(100 * h.available / h.total, 1) if h.total else 0.0, day.get(h.hall),
                          week.get(h.hall)) for h in halls]


def alerts(book: AlertBook, show: str) -> list[dict[str, Any]]:
    """Return the live alerts (open first, then acknowledged; newest first) or the recently resolved ones."""
    with book.lock:
        chosen = list(book.alerts.values()) if show == "live" else list(book.history)
    if show == "live":
        chosen.sort(key=lambda a: (a.state.value != "open", a.severity != "critical", -a.opened_at.timestamp()))
    else:
        chosen.sort(key=lambda a: a.resolved_at or a.opened_at, reverse=True)
    return [{"rule": a.rule, "terminal": a.terminal, "severity": a.severity, "state": a.state.value,
             "opened_at": a.opened_at, "acknowledged_by": a.acknowledged_by, "acknowledged_at": a.acknowledged_at,
             "resolved_by": a.resolved_by, "resolved_at": a.resolved_at} for a in chosen]


def changes(points: list[dict[str, Any]], slot: timedelta, now: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Return a series' runs of one state (since, until, ongoing), newest first; a gap in the data ends a run."""
    runs: list[dict[str, Any]] = []
    for point in points:
        at = datetime.fromisoformat(point["at"])
        last = runs[-1] if runs else None
        if last is not None and last["state"] == point["state"] and last["until"] == at:
            last["until"] = at + slot
        else:
            runs.append({"state": point["state"], "since": at, "until": at + slot})
    for run in runs:
        run["ongoing"] = run["until"] + slot >= now  # the slot in progress, or the one just closed
    return runs[::-1][:limit]


def history(monitor: FleetMonitor, terminal: str, window: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Return a terminal's chart points over a window of ``WINDOWS``."""
    if monitor.history is None:
        return []
    resolution, span, _ = WINDOWS[window]
    return monitor.history.series(terminal, resolution, (now or datetime.now(UTC)) - span)
