"""A monitor that loses its broker pages nobody: silence proves nothing until it hears the fleet again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from central.monitor.alerts import RULES, AlertBook
from central.monitor.monitor import FleetMonitor
from central.platform.registry import Registry
from demo.devstack import Mosquitto
from tests.central.dashboard.helpers import client_over, log_in

BEAT = timedelta(seconds=0.3)  # three missed: 0.9 s of grace after (re)subscribing
FAST = tuple(replace(r, hold=timedelta(seconds=1), clear=timedelta(seconds=1)) for r in RULES)


def flush_until(monitor: FleetMonitor, check: Callable[[], bool], seconds: float) -> bool:
    """Flush every 0.1 s until ``check`` holds or ``seconds`` pass; return whether it held."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        monitor.flush()
        if check():
            return True
        time.sleep(0.1)
    return check()


def test_no_alert_opens_while_the_monitor_cannot_hear_and_the_dashboard_says_so(
        broker: Mosquitto, sqlite_db: Engine) -> None:
    registry = Registry(sqlite_db)
    registry.add("SM0001", Path(broker.link("SM0001").cert).read_bytes(), hall="lc-center", site="hall")
    book = AlertBook(lambda event, alert: None, rules=FAST)
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), BEAT, alerts=book)
    client = client_over(monitor, book)[0]
    assert log_in(client, "ops-wang") == 303
    monitor.start()
    try:
        assert monitor.ready.wait(10)
        monitor.flush()
        assert monitor.blind_since(monitor.snapshot_at or monitor.listening_since) is not None  # just subscribed
        assert flush_until(monitor, lambda: ("offline", "SM0001") in book.alerts, 5)  # heard nothing: a real alert
        assert 'id="blind"' not in client.get("/").text

        broker.stop()
        assert flush_until(monitor, lambda: monitor.deaf_since is not None, 10)
        registry.add("SM0002", Path(broker.link("SM0002").cert).read_bytes(), hall="lc-center", site="hall")
        assert not flush_until(monitor, lambda: ("offline", "SM0002") in book.alerts, 2.5)  # 2.5 holds: still none
        assert 'id="blind"' in client.get("/").text
        assert client.get("/api/overview").json()["blind_since"] is not None
        families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
        assert families["yichuang_monitor_hearing"].samples[0].value == 0

        broker.start()
        assert flush_until(monitor, lambda: ("offline", "SM0002") in book.alerts, 15)  # hearing again: it pages
        assert monitor.deaf_since is None
        assert 'id="blind"' not in client.get("/").text
    finally:
        monitor.stop()
