"""The state rules, one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from central.monitor.health import assess
from central.monitor.rows import State
from protocol.heartbeat import Component, Heartbeat, Presence

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
SINCE = NOW.isoformat()
INTERVAL = timedelta(seconds=30)


def beat(*components: Component, disk: float = 60.0) -> Heartbeat:
    return Heartbeat(terminal="LC0001", at=NOW.isoformat(), boot="b", components=list(components), outbox_backlog=0,
                     oldest_unsynced_s=None, needs_manual=0, last_ack=None, app_version="0.1.0",
                     catalog_version="2026.11.1", cert_expires=None, disk_free_pct=disk, memory_used_pct=40.0,
                     uptime_s=100.0, applications_today=0, errors_today=0, help_requests_today=0)


def state(**kwargs: object) -> tuple[State, tuple[str, ...]]:
    defaults: dict[str, object] = {"presence": Presence(online=True, reason="connected", boot="b"), "beat": beat(),
                                   "beat_at": NOW - timedelta(seconds=10), "now": NOW, "interval": INTERVAL}
    health = assess(**{**defaults, **kwargs})  # type: ignore[arg-type]
    return health.state, health.reasons


PRINTER_OK = Component(device="printer", state="online", since=SINCE, media={"paper": "full"})
PAPER_OUT = Component(device="printer", state="user_error", since=SINCE, media={"paper": "out"}, error_code="paper_out")
PAPER_LOW = Component(device="printer", state="online", since=SINCE, media={"paper": "low"})
READER_DOWN = Component(device="card_reader", state="offline", since=SINCE)


def test_a_healthy_terminal_is_online() -> None:
    assert state(beat=beat(PRINTER_OK)) == (State.ONLINE, ())
    assert state(beat=beat(PAPER_LOW))[0] is State.ONLINE  # low paper still prints (an alert, not a state)


def test_a_required_device_down_degrades_with_its_code() -> None:
    assert state(beat=beat(PAPER_OUT)) == (State.DEGRADED, ("printer: paper_out",))
    assert state(beat=beat(PRINTER_OK, READER_DOWN)) == (State.DEGRADED, ("card_reader: offline",))
    assert state(beat=beat(PRINTER_OK, disk=3.0)) == (State.DEGRADED, ("disk 3% free",))


def test_offline_by_presence_or_by_silence() -> None:
    assert state(presence=Presence(online=False, reason="lost", boot="b")) == (State.OFFLINE, ("connection lost",))
    assert state(presence=None, beat=None, beat_at=None) == (State.OFFLINE, ("never heard from",))
    assert state(beat=None, beat_at=None) == (State.ONLINE, ("connected; no heartbeat received yet",))
    silent, reasons = state(beat_at=NOW - timedelta(seconds=91))
    assert silent is State.OFFLINE
    assert reasons[0].startswith("silent since")
    assert state(beat_at=NOW - timedelta(seconds=89))[0] is State.ONLINE  # two beats late is not yet offline


def test_revocation_and_maintenance_win() -> None:
    assert state(revoked=True, beat=beat(PAPER_OUT))[0] is State.REVOKED
    assert state(maintenance=True, presence=Presence(online=False, reason="lost", boot="b"))[0] is State.MAINTENANCE


def test_a_technician_s_maintenance_switch_in_the_heartbeat_is_maintenance_even_after_it_goes_quiet() -> None:
    switched = beat(PAPER_OUT).model_copy(update={"maintenance": True})
    assert state(beat=switched) == (State.MAINTENANCE, ("in maintenance at the terminal",))
    lost = Presence(online=False, reason="lost", boot="b")  # powered off for the repair
    assert state(beat=switched, presence=lost) == (State.MAINTENANCE, ("in maintenance at the terminal",))
    assert state(beat=beat(PAPER_OUT).model_copy(update={"maintenance": False}))[0] is State.DEGRADED
