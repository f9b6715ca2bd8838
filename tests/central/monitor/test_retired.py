"""A retired terminal (#26): the fleet shows it retired and pages nobody when it falls silent for good."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from central.monitor.alerts import Alert, AlertBook
from central.monitor.monitor import FleetMonitor
from central.platform.retire import retire
from demo.devstack import Mosquitto
from tests.sync.stack import Central


def test_a_retired_terminal_is_shown_retired_and_raises_no_alert(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    for terminal in ("LC0001", "LC0002"):
        central.register(broker.link(terminal), terminal)
    assert retire(sqlite_db, "LC0001", "decommissioned")
    paged: list[tuple[str, Alert]] = []
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=30),
                           alerts=AlertBook(lambda event, alert: paged.append((event, alert))))
    monitor.start()
    assert monitor.ready.wait(10)
    assert monitor.listening_since is not None
    monitor.listening_since -= timedelta(minutes=10)  # listening long enough for silence to count
    now = datetime.now(UTC)
    for minutes in (0, 6, 12):  # longer than the offline rule's hold
        monitor.flush(now + timedelta(minutes=minutes))
    states = {row.terminal: (row.state.value, row.reasons) for row in monitor.overview()}
    assert states["LC0001"] == ("retired", ("decommissioned",))
    assert states["LC0002"][0] == "offline"  # never heard from: the same silence pages for a terminal in the fleet
    assert {(event, alert.terminal) for event, alert in paged} == {("opened", "LC0002")}
    monitor.stop()
