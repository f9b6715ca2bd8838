"""The fleet monitor's engine: presence and heartbeats in, each terminal's state and reasons out.

It listens with the fleet identity (read-only: telemetry and presence, never envelopes), keeps
the latest of each terminal in memory, and writes the overview to central's database every few
seconds (only what changed), where `yichuang fleet status` and the API read it. Garbage on a
topic is counted and dropped; the monitor never stops on input.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from pydantic import ValidationError
from sqlalchemy import Engine, delete, insert, select

from central.fleet.alerts import Alert, AlertBook
from central.fleet.health import Health, assess
from central.platform import queries
from central.platform.schema import fleet_alerts, fleet_status, terminals
from sync import topics
from sync.link import Link, tls_client
from sync.telemetry import Heartbeat, Presence

log = logging.getLogger(__name__)
HELP_WINDOW = timedelta(minutes=15)  # a help request counts as open this long (no staff acknowledgement yet)
KEEP_RESOLVED = 500


@dataclass
class Seen:
    """The latest of one terminal."""

    presence: Presence | None = None
    beat: Heartbeat | None = None
    beat_at: datetime | None = None


class FleetMonitor:
    """Presence and telemetry of every terminal, assessed into states."""

    def __init__(self, engine: Engine, link: Link, interval: timedelta = timedelta(seconds=30),
                 name: str = "fleet-monitor", alerts: AlertBook | None = None) -> None:
        """Read central's registry from ``engine``; connect with the fleet identity of ``link``."""
        self.engine, self.link, self.interval, self.alerts = engine, link, interval, alerts
        self.seen: dict[str, Seen] = {}
        self.garbage = 0
        self.heartbeats = 0
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self._written: dict[str, tuple[tuple[str, str], str]] = {}  # terminal -> ((state, reasons), since)
        self.client = tls_client(name, link)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(
            [(f"{topics.PREFIX}/+/state", 1), (f"{topics.PREFIX}/+/telemetry", 0)])
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = self._on_message

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Take one presence or heartbeat; count anything else."""
        terminal = topics.terminal_of(message.topic)
        kind = message.topic.rsplit("/", 1)[-1]
        try:
            if terminal is None:
                raise ValueError("topic")
            with self._lock:
                seen = self.seen.setdefault(terminal, Seen())
                if kind == "state":
                    seen.presence = Presence.model_validate_json(message.payload)
                else:
                    beat = Heartbeat.model_validate_json(message.payload)
                    if beat.terminal != terminal:
                        raise ValueError("terminal")
                    seen.beat, seen.beat_at = beat, datetime.now(UTC)
                    self.heartbeats += 1
        except (ValueError, ValidationError):
            self.garbage += 1

    def start(self) -> None:
        """Connect and listen."""
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()

    def _registry(self) -> dict[str, dict[str, Any]]:
        """Return hall, site and revocation of every registered terminal."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(terminals.c.id, terminals.c.hall, terminals.c.site, terminals.c.revoked_at,
                                       terminals.c.maintenance_since))
            return {r.id: {"hall": r.hall, "site": r.site, "revoked": r.revoked_at is not None,
                           "maintenance": r.maintenance_since is not None} for r in rows}

    def overview(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Return every known terminal (registered or heard from) with its state and reasons."""
        now = now or datetime.now(UTC)
        registry = self._registry()
        with self._lock:
            seen = dict(self.seen)
        rows = []
        for terminal in sorted(set(registry) | set(seen)):
            info = registry.get(terminal, {"hall": "", "site": "", "revoked": False, "maintenance": False})
            latest = seen.get(terminal, Seen())
            health: Health = assess(presence=latest.presence, beat=latest.beat, beat_at=latest.beat_at, now=now,
                                    interval=self.interval, revoked=bool(info["revoked"]),
                                    maintenance=bool(info["maintenance"]))
            beat = latest.beat
            rows.append({
                "terminal": terminal, "hall": info["hall"], "site": info["site"], "state": health.state.value,
                "reasons": list(health.reasons),
                "last_heartbeat": latest.beat_at.isoformat() if latest.beat_at else None,
                "backlog": beat.outbox_backlog if beat else None,
                "oldest_unsynced_s": beat.oldest_unsynced_s if beat else None,
            })
        return rows

    def _alert_rows(self, rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Join each overview row with its latest heartbeat, open gaps and recent help requests."""
        gapped = {g["terminal"] for g in queries.gaps(self.engine)}
        since = (now - HELP_WINDOW).isoformat()
        helped = {h["terminal"] for h in queries.help_requests(self.engine) if h["received_at"] >= since}
        with self._lock:
            beats = {t: s.beat for t, s in self.seen.items() if s.beat is not None}
        return [{**(beats[r["terminal"]].model_dump() if r["terminal"] in beats else {}), **r,
                 "gaps": r["terminal"] in gapped, "help_open": r["terminal"] in helped} for r in rows]

    def flush(self, now: datetime | None = None) -> int:
        """Assess, evaluate the alert rules, and write the overview and the alerts; return the terminal count."""
        now = now or datetime.now(UTC)
        moment = now.isoformat()
        rows = self.overview(now)
        if self.alerts is not None:
            self.alerts.evaluate(self._alert_rows(rows, now), now)
        for row in rows:
            key = (row["state"], json.dumps(row["reasons"]))
            previous = self._written.get(row["terminal"])
            if previous is None or previous[0] != key:
                self._written[row["terminal"]] = (key, moment)
        with self.engine.begin() as conn:
            conn.execute(delete(fleet_status))
            if rows:
                conn.execute(insert(fleet_status), [
                    {**r, "reasons": json.dumps(r["reasons"], ensure_ascii=False),
                     "changed_at": self._written[r["terminal"]][1], "written_at": moment} for r in rows])
            if self.alerts is not None:
                conn.execute(delete(fleet_alerts))
                kept = [*self.alerts.alerts.values(), *self.alerts.history[-KEEP_RESOLVED:]]
                if kept:
                    conn.execute(insert(fleet_alerts), [_alert_row(a) for a in kept])
        return len(rows)


def _alert_row(alert: Alert) -> dict[str, Any]:
    """Return an alert as a table row."""
    return {"rule": alert.rule, "terminal": alert.terminal, "opened_at": alert.opened_at.isoformat(),
            "severity": alert.severity, "state": alert.state.value, "acknowledged_by": alert.acknowledged_by,
            "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
            "resolved_by": alert.resolved_by}


def read_alerts(engine: Engine) -> list[dict[str, Any]]:
    """Return the alerts as the monitor last wrote them, live ones first."""
    with engine.connect() as conn:
        rows = conn.execute(select(fleet_alerts).order_by(fleet_alerts.c.resolved_at.is_not(None),
                                                          fleet_alerts.c.opened_at.desc())).all()
    return [dict(r._mapping) for r in rows]


def read_status(engine: Engine) -> list[dict[str, Any]]:
    """Return the overview as the monitor last wrote it (for `fleet status`)."""
    with engine.connect() as conn:
        rows = conn.execute(select(fleet_status).order_by(fleet_status.c.terminal)).all()
    return [{**dict(r._mapping), "reasons": json.loads(r.reasons)} for r in rows]
