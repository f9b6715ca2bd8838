"""A flush looks again only at what changed (#27 §1), and loses nothing by it: silence, new heartbeats, registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
from sqlalchemy import Engine, select, update

from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor, Seen
from central.monitor.rows import State
from central.platform.schema import fleet_status, terminals
from protocol import topics
from tests.central.monitor.helpers import ONLINE, beat, monitor_for


def settled(tmp_path: Path, engine: Engine, now: datetime) -> FleetMonitor:
    """Return a monitor whose three terminals are all heard at ``now`` and flushed once."""
    monitor = monitor_for(tmp_path, engine, AlertBook(lambda event, alert: None))
    monitor.seen = {t: Seen(ONLINE, beat(t), now) for t in ("LC0001", "LC0002", "ZD0001")}
    monitor.flush(now)
    return monitor


def written_at(engine: Engine) -> dict[str, str]:
    """Return when each terminal's status row was last written."""
    with engine.connect() as conn:
        return {r.terminal: r.written_at for r in conn.execute(select(fleet_status.c.terminal, fleet_status.c.written_at))}


def test_a_silent_terminal_goes_offline_on_time_with_nothing_new_heard(tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)
    for step in range(1, 4):  # two others keep talking; LC0001 says nothing after its first heartbeat
        for terminal in ("LC0002", "ZD0001"):
            monitor.seen[terminal] = Seen(ONLINE, beat(terminal), now + timedelta(seconds=30 * step))
        monitor.flush(now + timedelta(seconds=30 * step))
    assert monitor.snapshot["LC0001"].state is State.ONLINE  # 90 s of silence: not yet three missed beats
    monitor.flush(now + timedelta(seconds=91))
    assert monitor.snapshot["LC0001"].state is State.OFFLINE
    assert monitor.snapshot["LC0001"].reasons[0].startswith("silent since")


def test_rows_are_written_when_their_state_changes_and_the_heard_times_each_minute(
        tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)
    first = written_at(sqlite_db)
    monitor.seen["LC0001"] = Seen(ONLINE, beat("LC0001"), now + timedelta(seconds=5))  # heard again, nothing new
    monitor.seen["LC0002"] = Seen(ONLINE, beat("LC0002", "out"), now + timedelta(seconds=5))  # out of paper
    monitor.flush(now + timedelta(seconds=5))
    second = written_at(sqlite_db)
    assert second["LC0001"] == first["LC0001"]  # only its last-heard time changed: not written yet
    assert second["LC0002"] != first["LC0002"]  # degraded: written at once
    monitor.flush(now + timedelta(seconds=65))  # a minute on: the checkpoint writes the heard times too
    assert written_at(sqlite_db)["LC0001"] != first["LC0001"]


def test_a_registry_change_and_a_new_heartbeat_reach_the_next_flush(tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)
    with sqlite_db.begin() as conn:
        conn.execute(update(terminals).where(terminals.c.id == "ZD0001").values(maintenance_since=now.isoformat()))
    monitor.seen["LC0002"] = Seen(ONLINE, beat("LC0002", "out"), now + timedelta(seconds=5))
    monitor.flush(now + timedelta(seconds=5))
    assert monitor.touched == {"LC0002", "ZD0001"}  # LC0001, with nothing new, was not assessed again
    assert monitor.snapshot["ZD0001"].state is State.MAINTENANCE
    assert monitor.snapshot["LC0002"].state is State.DEGRADED
    assert monitor.alerts is not None
    monitor.flush(now + timedelta(seconds=40))  # paper out for longer than its hold: the alert opens
    assert ("paper_out", "LC0002") in monitor.alerts.alerts


def test_a_terminal_that_kept_talking_is_not_assessed_again_by_a_deadline_its_heartbeats_moved_on(
        tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)  # every silence deadline at now + 90 s
    monitor.seen["LC0001"] = Seen(ONLINE, beat("LC0001"), now + timedelta(seconds=30))  # LC0001's: now + 120 s
    monitor.flush(now + timedelta(seconds=30))
    assert monitor.touched == {"LC0001"}
    monitor.flush(now + timedelta(seconds=95))  # nothing heard: only the two silent ones are looked at again
    assert monitor.touched == {"LC0002", "ZD0001"}
    assert {t: r.state for t, r in monitor.snapshot.items()} == {
        "LC0001": State.ONLINE, "LC0002": State.OFFLINE, "ZD0001": State.OFFLINE}


def test_what_the_intake_hears_is_what_the_next_flush_assesses(tmp_path: Path, sqlite_db: Engine) -> None:
    now = datetime.now(UTC)
    monitor = settled(tmp_path, sqlite_db, now)
    for terminal, payload in (("LC0002", beat("LC0002", "out").model_dump_json().encode()), ("ZD0009", b"{")):
        message = mqtt.MQTTMessage(topic=topics.telemetry(terminal).encode())
        message.payload = payload
        monitor._on_message(monitor.client, None, message)  # paho's entry point
    monitor.flush(now + timedelta(seconds=5))
    assert monitor.touched == {"LC0002", "ZD0009"}  # a new heartbeat; a terminal heard of for the first time
    assert (monitor.snapshot["LC0002"].state, monitor.snapshot["ZD0009"].state) == (State.DEGRADED, State.OFFLINE)
    assert (monitor.order.counts.total, monitor.order.page(1)[0][0].terminal) == (4, "ZD0009")
    monitor.flush(now + timedelta(seconds=10))
    assert monitor.touched == set()  # nothing heard since: nothing assessed again
