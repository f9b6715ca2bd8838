"""Alert rules with a lifecycle: open → acknowledged → resolved, one per (rule, terminal), flap-damped.

A rule's condition must hold for its ``hold`` time before an alert opens, and be clear for its
``clear`` time before the alert resolves by itself: a printer whose paper sensor flickers, or a
terminal on a bad link, does not page anyone twice. Acknowledging keeps the alert open (someone
is on it) and stops re-notification; only a clear condition or an operator resolves it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from central.monitor.rows import QUIET, Facts, State

log = logging.getLogger(__name__)
Condition = Callable[[Facts, datetime], bool]  # whether a rule's condition holds for a terminal at a moment
KEEP_RESOLVED = 500  # resolved alerts held in memory (the database keeps more)
CRL_STALE_DAYS = 21  # the CA re-signs its 30-day CRL with 10 days left (crl-refresh timer): older means one was missed


@dataclass(frozen=True)
class Rule:
    """When a condition on a terminal becomes an alert."""

    name: str
    condition: Condition
    hold: timedelta
    clear: timedelta = timedelta(minutes=1)
    severity: str = "warning"


def _paper(facts: Facts) -> str | None:
    """Return the printer's paper state, if the terminal reported one."""
    for component in facts.beat.components if facts.beat else ():
        if component.device == "printer":
            return component.media.get("paper")
    return None


def _reader_error(facts: Facts, now: datetime) -> bool:
    """Return whether the card reader reports anything but working."""
    return any(c.device == "card_reader" and c.state not in {"online", "busy"}
               for c in (facts.beat.components if facts.beat else ()))


def _cert_days(facts: Facts, now: datetime) -> float | None:
    """Return the days until the terminal's certificate expires."""
    if facts.beat is None or not facts.beat.cert_expires:
        return None
    return (datetime.fromisoformat(facts.beat.cert_expires) - now).total_seconds() / 86400


def _crl_age_days(facts: Facts, now: datetime) -> float | None:
    """Return how old the fleet's CRL the terminal holds is, in days (None: it reported none)."""
    if facts.beat is None or not facts.beat.crl_updated:
        return None
    return (now - datetime.fromisoformat(facts.beat.crl_updated)).total_seconds() / 86400


def _below(value: float | None, limit: float) -> bool:
    """Return whether a reported value is under ``limit`` (an unreported one never is; zero is)."""
    return value is not None and value < limit


RULES = (
    Rule("offline", lambda f, now: f.row.state is State.OFFLINE, hold=timedelta(minutes=5), severity="critical"),
    Rule("paper_out", lambda f, now: _paper(f) in {"out", "jammed"}, hold=timedelta(seconds=30),
         severity="critical"),
    Rule("paper_low", lambda f, now: _paper(f) == "low", hold=timedelta(minutes=2)),
    Rule("reader_error", _reader_error, hold=timedelta(seconds=60), severity="critical"),
    Rule("backlog_old", lambda f, now: ((f.beat.oldest_unsynced_s if f.beat else None) or 0) > 3600,
         hold=timedelta(0)),
    Rule("cert_expiring", lambda f, now: _below(_cert_days(f, now), 14), hold=timedelta(0), clear=timedelta(0)),
    Rule("crl_stale", lambda f, now: (_crl_age_days(f, now) or 0) > CRL_STALE_DAYS, hold=timedelta(0),
         clear=timedelta(0)),
    Rule("disk_low", lambda f, now: _below(f.beat.disk_free_pct if f.beat else None, 10), hold=timedelta(minutes=1)),
    Rule("sequence_gap", lambda f, now: f.gaps, hold=timedelta(minutes=5)),
    Rule("help_request", lambda f, now: f.help_open, hold=timedelta(minutes=2), severity="critical"),
)


class AlertState(StrEnum):
    """Where an alert is in its life."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(slots=True)
class Alert:
    """One alert on one terminal."""

    rule: str
    terminal: str
    severity: str
    opened_at: datetime
    state: AlertState = AlertState.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None


@dataclass(slots=True)
class _Track:
    """How long a condition has been true or false (the damping)."""

    true_since: datetime | None = None
    false_since: datetime | None = None


@dataclass
class AlertBook:
    """Every alert and the damping state of every (rule, terminal); ``notify`` gets each change.

    The monitor's flush and the API's actions run on different threads: every change holds ``lock``.
    """

    notify: Callable[[str, Alert], None]
    rules: tuple[Rule, ...] = RULES
    alerts: dict[tuple[str, str], Alert] = field(default_factory=dict)  # the live alert of each key
    history: list[Alert] = field(default_factory=list)  # resolved ones
    changed: list[Alert] = field(default_factory=list)  # not yet written to the database
    lock: threading.RLock = field(default_factory=threading.RLock)
    _tracks: dict[tuple[str, str], _Track] = field(default_factory=dict)
    _timing: set[tuple[str, str]] = field(default_factory=set)  # a hold or clear time running: the clock decides

    def _emit(self, event: str, alert: Alert) -> None:
        """Record a change for the database and tell ``notify``."""
        self.changed.append(alert)
        self.notify(event, alert)

    def evaluate(self, terminals: Iterable[Facts], now: datetime) -> set[str]:
        """Apply every rule to every terminal at ``now`` (none to one in maintenance or revoked).

        Return the terminals whose heartbeat a rule could not read (logged; that rule's alert stays
        as it was, their other rules and every other terminal go on).
        """
        unreadable = set()
        with self.lock:
            for facts in terminals:
                quiet = facts.row.state in QUIET
                for rule in self.rules:
                    try:
                        holds = not quiet and rule.condition(facts, now)
                    except Exception:
                        log.exception("alert rule %s could not read the heartbeat of %s", rule.name, facts.row.terminal)
                        unreadable.add(facts.row.terminal)
                        continue
                    self._step(rule, facts.row.terminal, holds, now)
        return unreadable

    def watched(self) -> set[str]:
        """Return the terminals with a hold or clear time running (the clock alone can step their rules)."""
        with self.lock:
            return {terminal for _, terminal in self._timing}

    def take_changes(self) -> list[Alert]:
        """Return and forget the alerts changed since the last call."""
        with self.lock:
            changed, self.changed = self.changed, []
        return changed

    def give_back(self, changes: list[Alert]) -> None:
        """Put changes whose write failed back in front, to be written with the next ones."""
        with self.lock:
            self.changed[:0] = [a for a in changes if a not in self.changed]

    def _step(self, rule: Rule, terminal: str, holds: bool, now: datetime) -> None:
        """Advance one (rule, terminal): open after ``hold``, resolve after ``clear``."""
        key = (rule.name, terminal)
        live = self.alerts.get(key)
        if holds:
            track = self._tracks.setdefault(key, _Track())
            track.false_since = None
            track.true_since = track.true_since or now
            if live is None and now - track.true_since >= rule.hold:
                self.alerts[key] = Alert(rule.name, terminal, rule.severity, now)
                self._emit("opened", self.alerts[key])
            self._time(key, key not in self.alerts)
            return
        if live is None:  # the common case: nothing to track (10 000 terminals × 9 rules stay sparse)
            self._tracks.pop(key, None)
            self._time(key, False)
            return
        track = self._tracks.setdefault(key, _Track())
        track.true_since = None
        track.false_since = track.false_since or now
        if now - track.false_since >= rule.clear:
            self._close(key, now, "condition cleared")
        self._time(key, key in self.alerts)

    def _time(self, key: tuple[str, str], running: bool) -> None:
        """Note whether a hold or clear time of ``key`` is running."""
        if running:
            self._timing.add(key)
        else:
            self._timing.discard(key)

    def acknowledge(self, rule: str, terminal: str, who: str, now: datetime) -> Alert:
        """Mark an open alert as being handled by ``who``."""
        with self.lock:
            alert = self.alerts[(rule, terminal)]
            if alert.state is AlertState.OPEN:
                alert.state, alert.acknowledged_by, alert.acknowledged_at = AlertState.ACKNOWLEDGED, who, now
                self._emit("acknowledged", alert)
            return alert

    def resolve(self, rule: str, terminal: str, who: str, now: datetime) -> Alert:
        """Close an alert by hand (a new one opens if the condition still holds after ``hold``)."""
        with self.lock:
            alert = self._close((rule, terminal), now, who)
            self._tracks.pop((rule, terminal), None)
            self._time((rule, terminal), False)
            return alert

    def _close(self, key: tuple[str, str], now: datetime, who: str) -> Alert:
        """Resolve the live alert of ``key``."""
        alert = self.alerts.pop(key)
        alert.state, alert.resolved_at, alert.resolved_by = AlertState.RESOLVED, now, who
        self.history.append(alert)
        del self.history[:-KEEP_RESOLVED]
        self._emit("resolved", alert)
        return alert

    def open_by_rule(self) -> dict[str, int]:
        """Count the live alerts by rule (for metrics: bounded labels)."""
        counts: dict[str, int] = {}
        with self.lock:
            live = list(self.alerts.values())
        for alert in live:
            counts[alert.rule] = counts.get(alert.rule, 0) + 1
        return counts
