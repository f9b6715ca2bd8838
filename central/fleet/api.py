"""The fleet monitor's HTTP JSON API and Prometheus metrics (FastAPI; OpenAPI at /openapi.json).

Read endpoints serve what the monitor holds; acknowledging and resolving act on its alert
book. Metrics keep label cardinality bounded: states, halls and rules, never a label per
terminal. Login and roles come with the dashboard; until then bind the API to a private address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from pydantic import BaseModel

from central.fleet.alerts import AlertBook
from central.fleet.monitor import FleetMonitor

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such terminal, or no live alert of that rule"}}
StateName = Literal["online", "degraded", "offline", "maintenance", "revoked"]


class TerminalRow(BaseModel):
    """One terminal in the overview."""

    terminal: str
    hall: str
    site: str
    state: StateName
    reasons: list[str]
    last_heartbeat: str | None
    backlog: int | None
    oldest_unsynced_s: float | None


class TerminalDetail(TerminalRow):
    """One terminal with its latest heartbeat."""

    heartbeat: dict[str, Any] | None


class AlertRow(BaseModel):
    """One alert."""

    rule: str
    terminal: str
    severity: str
    state: Literal["open", "acknowledged", "resolved"]
    opened_at: str
    acknowledged_by: str | None
    resolved_at: str | None
    resolved_by: str | None


class Actor(BaseModel):
    """Who acts on an alert (the dashboard's login fills this in later)."""

    by: str


def _alert(alert: Any) -> AlertRow:
    """Convert an Alert."""
    return AlertRow(rule=alert.rule, terminal=alert.terminal, severity=alert.severity, state=alert.state.value,
                    opened_at=alert.opened_at.isoformat(), acknowledged_by=alert.acknowledged_by,
                    resolved_at=alert.resolved_at.isoformat() if alert.resolved_at else None,
                    resolved_by=alert.resolved_by)


def _metrics(monitor: FleetMonitor, book: AlertBook) -> bytes:
    """Render the metrics for one scrape."""
    registry = CollectorRegistry()
    terminals = Gauge("yichuang_terminals", "Terminals by state and hall", ["state", "hall"], registry=registry)
    alerts = Gauge("yichuang_alerts_open", "Open or acknowledged alerts by rule", ["rule"], registry=registry)
    backlog = Gauge("yichuang_outbox_backlog", "Entries waiting for central, all terminals", registry=registry)
    garbage = Gauge("yichuang_telemetry_garbage", "Refused telemetry and presence messages", registry=registry)
    heartbeats = Gauge("yichuang_heartbeats_received", "Heartbeats received since start", registry=registry)
    rows = monitor.overview()
    for row in rows:
        terminals.labels(row["state"], row["hall"] or "-").inc()
    for rule, count in book.open_by_rule().items():
        alerts.labels(rule).set(count)
    backlog.set(sum(r["backlog"] or 0 for r in rows))
    garbage.set(monitor.garbage)
    heartbeats.set(monitor.heartbeats)
    return generate_latest(registry)


def create_app(monitor: FleetMonitor, book: AlertBook) -> FastAPI:
    """Build the API over a running monitor and its alert book."""
    app = FastAPI(title="Yichuang fleet monitor", version="1")

    @app.get("/api/terminals")
    def terminals(hall: str | None = None, site: str | None = None,
                  state: StateName | None = None) -> list[TerminalRow]:
        """List terminals, needing action first; filter by hall, site or state."""
        order = {"offline": 0, "degraded": 1, "revoked": 2, "maintenance": 3, "online": 4}
        rows = [TerminalRow(**r) for r in monitor.overview()
                if (hall is None or r["hall"] == hall) and (site is None or r["site"] == site)
                and (state is None or r["state"] == state)]
        return sorted(rows, key=lambda r: (order[r.state], r.terminal))

    @app.get("/api/terminals/{terminal}", responses=NOT_FOUND)
    def terminal(terminal: str) -> TerminalDetail:
        """One terminal and its latest heartbeat."""
        row = next((r for r in monitor.overview() if r["terminal"] == terminal), None)
        if row is None:
            raise HTTPException(404, f"no terminal {terminal}")
        seen = monitor.seen.get(terminal)
        beat = seen.beat.model_dump() if seen is not None and seen.beat is not None else None
        return TerminalDetail(**row, heartbeat=beat)

    @app.get("/api/alerts")
    def alerts(state: Literal["live", "resolved"] = "live") -> list[AlertRow]:
        """Live alerts (open and acknowledged), or the recently resolved ones."""
        chosen = list(book.alerts.values()) if state == "live" else book.history[-500:]
        return [_alert(a) for a in chosen]

    @app.post("/api/alerts/{rule}/{terminal}/acknowledge", responses=NOT_FOUND)
    def acknowledge(rule: str, terminal: str, actor: Actor) -> AlertRow:
        """Say someone is on it (stops re-notification)."""
        if (rule, terminal) not in book.alerts:
            raise HTTPException(404, "no live alert of that rule on that terminal")
        return _alert(book.acknowledge(rule, terminal, actor.by))

    @app.post("/api/alerts/{rule}/{terminal}/resolve", responses=NOT_FOUND)
    def resolve(rule: str, terminal: str, actor: Actor) -> AlertRow:
        """Close an alert by hand."""
        if (rule, terminal) not in book.alerts:
            raise HTTPException(404, "no live alert of that rule on that terminal")
        return _alert(book.resolve(rule, terminal, actor.by, datetime.now(UTC)))

    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics (bounded labels: state, hall, rule)."""
        return PlainTextResponse(_metrics(monitor, book).decode(), media_type="text/plain; version=0.0.4")

    return app
