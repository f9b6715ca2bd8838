"""A terminal's state from what it last said: a pure function, so every rule is testable on its own.

States, the first that applies wins: retired, revoked, maintenance, offline (its presence says stopped or lost, or
heartbeats stopped coming), degraded (it cannot take applications: a required device is down or
the disk is nearly full), online. Each state comes with the reasons in words ops act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from central.monitor.rows import State
from protocol.heartbeat import Heartbeat, Presence

REQUIRED_DEVICES = ("printer", "card_reader")  # without them no application can be taken
WORKING = frozenset({"online", "busy"})
MISSED_BEATS = 3  # heartbeats missed before a silent terminal counts as offline
DISK_CRITICAL_PCT = 5.0


@dataclass(frozen=True)
class Health:
    """A terminal's state and why."""

    state: State
    reasons: tuple[str, ...] = field(default=())


def _device_reasons(beat: Heartbeat) -> list[str]:
    """Name each required device that cannot serve, by its code."""
    reasons = []
    for component in beat.components:
        if component.device not in REQUIRED_DEVICES:
            continue
        if component.state not in WORKING:
            reasons.append(f"{component.device}: {component.error_code or component.state}")
        elif component.media.get("paper") in {"out", "jammed"}:
            reasons.append(f"{component.device}: paper {component.media['paper']}")
    return reasons


def _silence(presence: Presence | None, beat: Heartbeat | None, beat_at: datetime | None, now: datetime,
             interval: timedelta) -> Health | None:
    """Return the state when the terminal is gone or has not spoken yet (None when it has)."""
    if presence is not None and not presence.online:
        return Health(State.OFFLINE, (f"connection {presence.reason}",))
    if beat is None or beat_at is None:
        if presence is not None:  # connected (retained state), but the monitor started after its last beat
            return Health(State.ONLINE, ("connected; no heartbeat received yet",))
        return Health(State.OFFLINE, ("never heard from",))
    if now - beat_at > interval * MISSED_BEATS:
        return Health(State.OFFLINE, (f"silent since {beat_at:%Y-%m-%d %H:%M}",))
    return None


def assess(*, presence: Presence | None, beat: Heartbeat | None, beat_at: datetime | None, now: datetime,
           interval: timedelta, revoked: bool = False, maintenance: bool = False, retired: bool = False) -> Health:
    """Return the state of one terminal from its presence, its last heartbeat and when that arrived."""
    if retired:
        return Health(State.RETIRED, ("decommissioned",))
    if revoked:
        return Health(State.REVOKED, ("certificate revoked",))
    if maintenance:
        return Health(State.MAINTENANCE, ("in maintenance",))
    if beat is not None and beat.maintenance:  # its last word: a technician at the terminal switched it
        return Health(State.MAINTENANCE, ("in maintenance at the terminal",))
    silent = _silence(presence, beat, beat_at, now, interval)
    if silent is not None or beat is None:
        return silent or Health(State.OFFLINE, ("never heard from",))
    reasons = _device_reasons(beat)
    if beat.disk_free_pct < DISK_CRITICAL_PCT:
        reasons.append(f"disk {beat.disk_free_pct:.0f}% free")
    return Health(State.DEGRADED, tuple(reasons)) if reasons else Health(State.ONLINE)
