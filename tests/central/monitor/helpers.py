"""A fleet monitor fed by hand: three terminals in two halls, no broker needed for the monitor's own logic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from central.monitor.alerts import AlertBook
from central.monitor.history import History
from central.monitor.monitor import FleetMonitor, Seen
from central.platform.registry import Registry
from demo.devstack import ScratchPki
from protocol.heartbeat import Component, Heartbeat, Presence
from protocol.link import Link

ONLINE = Presence(online=True, reason="connected", boot="b")
SINCE = "2026-11-22T07:00:00+00:00"  # when a device reported its state, and when a test heartbeat was made


def beat(terminal: str, paper: str = "full") -> Heartbeat:
    printer = Component(device="printer", state="online" if paper != "out" else "user_error", since=SINCE,
                        media={"paper": paper}, error_code="paper_out" if paper == "out" else None)
    return Heartbeat(terminal=terminal, at=SINCE, boot="b", components=[printer], outbox_backlog=3,
                     oldest_unsynced_s=12.0, needs_manual=0, last_ack=None, app_version="0.1.0",
                     catalog_version="2026.11.1", cert_expires=None, disk_free_pct=50.0, memory_used_pct=40.0,
                     uptime_s=100.0, applications_today=1, errors_today=0, help_requests_today=0)


def monitor_for(tmp_path: Path, engine: Engine, book: AlertBook) -> FleetMonitor:
    """Register LC0001 and LC0002 (lc-center) and ZD0001 (zd-center); return a monitor over them (not started)."""
    pki = ScratchPki(tmp_path / "pki")
    registry = Registry(engine)
    for terminal, hall in (("LC0001", "lc-center"), ("LC0002", "lc-center"), ("ZD0001", "zd-center")):
        if registry.status(terminal) is None:
            registry.add(terminal, pki.issue(terminal)[0].read_bytes(), hall=hall, site="hall")
    cert, key, _ = pki.issue("fleet")
    return FleetMonitor(engine, Link("127.0.0.1", 1, str(pki.ca_path), str(cert), str(key)), alerts=book,
                        history=History(engine))


def fleet(tmp_path: Path, engine: Engine) -> tuple[FleetMonitor, AlertBook]:
    """LC0001 online, LC0002 out of paper (alert open), ZD0001 lost: two flushes 31 s apart."""
    book = AlertBook(lambda event, alert: None)
    monitor = monitor_for(tmp_path, engine, book)
    now = datetime.now(UTC)
    monitor.seen = {"LC0001": Seen(ONLINE, beat("LC0001"), now), "LC0002": Seen(ONLINE, beat("LC0002", "out"), now),
                    "ZD0001": Seen(Presence(online=False, reason="lost", boot="b"), beat("ZD0001"), now)}
    monitor.flush(now)
    monitor.flush(now + timedelta(seconds=31))  # LC0002's paper has been out for longer than the hold
    return monitor, book


