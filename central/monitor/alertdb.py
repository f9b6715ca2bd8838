"""Alerts in central's database: every change written as it happens, live ones read back after a restart.

A restarted monitor resumes its open and acknowledged alerts, so it neither pages anyone again
for what is already known nor forgets who acknowledged what. Resolved alerts are kept for
``KEEP_DAYS`` (the dashboard's "who did what and when").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select

from central.monitor.alerts import KEEP_RESOLVED, Alert, AlertBook, AlertState
from central.platform.schema import fleet_alerts

KEEP_DAYS = 90


def _iso(moment: datetime | None) -> str | None:
    """Return ``moment`` as ISO 8601, or None."""
    return moment.isoformat() if moment else None


def as_row(alert: Alert) -> dict[str, Any]:
    """Return an alert as a table row."""
    return {"rule": alert.rule, "terminal": alert.terminal, "opened_at": alert.opened_at.isoformat(),
            "severity": alert.severity, "state": alert.state.value, "acknowledged_by": alert.acknowledged_by,
            "acknowledged_at": _iso(alert.acknowledged_at), "resolved_at": _iso(alert.resolved_at),
            "resolved_by": alert.resolved_by}


def _from_row(row: Any) -> Alert:
    """Rebuild an alert from its row."""
    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None
    return Alert(row.rule, row.terminal, row.severity, datetime.fromisoformat(row.opened_at), AlertState(row.state),
                 row.acknowledged_by, when(row.acknowledged_at), when(row.resolved_at), row.resolved_by)


def save(conn: Connection, changed: list[Alert], now: datetime) -> None:
    """Write each changed alert (its latest form) and drop resolved ones past ``KEEP_DAYS``."""
    latest = {(a.rule, a.terminal, a.opened_at): a for a in changed}
    for rule, terminal, opened_at in latest:
        conn.execute(delete(fleet_alerts).where(and_(fleet_alerts.c.rule == rule, fleet_alerts.c.terminal == terminal,
                                                     fleet_alerts.c.opened_at == opened_at.isoformat())))
    if latest:
        conn.execute(insert(fleet_alerts), [as_row(a) for a in latest.values()])
    conn.execute(delete(fleet_alerts).where(fleet_alerts.c.resolved_at < (now - timedelta(days=KEEP_DAYS)).isoformat()))


def resume(engine: Engine, book: AlertBook) -> int:
    """Load the live alerts and the latest resolved ones into ``book``; return how many are live."""
    with engine.connect() as conn:
        live = conn.execute(select(fleet_alerts).where(fleet_alerts.c.resolved_at.is_(None))).all()
        done = conn.execute(select(fleet_alerts).where(fleet_alerts.c.resolved_at.is_not(None))
                            .order_by(fleet_alerts.c.resolved_at.desc()).limit(KEEP_RESOLVED)).all()
    with book.lock:
        book.alerts = {(r.rule, r.terminal): _from_row(r) for r in live}
        book.history = [_from_row(r) for r in reversed(done)]
    return len(live)


def read(engine: Engine, terminal: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Return the alerts as the monitor last wrote them (of one terminal, at most ``limit``), live ones first."""
    query = select(fleet_alerts).order_by(fleet_alerts.c.resolved_at.is_not(None), fleet_alerts.c.opened_at.desc())
    if terminal is not None:
        query = query.where(fleet_alerts.c.terminal == terminal)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit)).all()
    return [dict(r._mapping) for r in rows]
