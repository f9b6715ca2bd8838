"""The terminal's health as the store knows it: each device's latest status and today's activity (no personal data)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from kiosk.store import database as db
from kiosk.store.models import ApplicationRow, DeviceStatusRow, EventRow, HelpRequestRow, OutboxRow, OutboxStatus
from kiosk.store.store import Store

SERIOUS = ("error", "critical")  # event severities that count as errors
CARD_REFUSED = "card_refused"  # a card the terminal could not use: the citizen was sent to staff
MAINTENANCE_SWITCH = "technician_maintenance"  # the technician switched maintenance on or off at the terminal


@dataclass(frozen=True)
class DeviceStatus:
    """A device's latest recorded status, by code (a driver's free-text detail stays out)."""

    device: str
    state: str
    since: str
    media: dict[str, str] = field(default_factory=dict)
    error_kind: str | None = None
    error_code: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Activity:
    """What the outbox holds and what happened since a moment (usually midnight)."""

    outbox_backlog: int
    needs_manual: int
    last_ack: str | None
    applications_today: int
    errors_today: int
    help_requests_today: int
    cards_refused_today: int


def device_statuses(store: Store) -> list[DeviceStatus]:
    """Return the latest recorded status of each device, by device name."""
    latest = select(func.max(DeviceStatusRow.id)).group_by(DeviceStatusRow.device)
    with db.read(store.engine) as conn:
        rows = conn.execute(select(DeviceStatusRow).where(DeviceStatusRow.id.in_(latest))
                            .order_by(DeviceStatusRow.device)).all()
    return [_status(row.device, row.state, row.at, json.loads(row.snapshot)) for row in rows]


def _status(device: str, state: str, since: str, snapshot: dict[str, Any]) -> DeviceStatus:
    """Reduce a recorded snapshot to its codes."""
    error = snapshot.get("error") or {}
    media = {str(k): str(v) for k, v in (snapshot.get("media") or {}).items()}
    return DeviceStatus(device, state, since, media, error.get("kind"), error.get("code"), error.get("action"))


def last_selftest(store: Store) -> dict[str, Any]:
    """Return when the last self-test ran and the checks it failed (empty when none ran)."""
    with db.read(store.engine) as conn:
        row = conn.execute(select(EventRow.at, EventRow.detail).where(EventRow.kind == "selftest")
                           .order_by(EventRow.id.desc()).limit(1)).first()
    if row is None:
        return {}
    failed = json.loads(row.detail).get("failed", [])
    return {"selftest_at": row.at, "selftest_failed": [str(name) for name in failed][:16]}


def technician_maintenance(store: Store) -> bool:
    """Return whether the technician's last maintenance switch at the terminal put it into maintenance."""
    with db.read(store.engine) as conn:
        detail = conn.execute(select(EventRow.detail).where(EventRow.kind == MAINTENANCE_SWITCH)
                              .order_by(EventRow.id.desc()).limit(1)).scalar()
    return detail is not None and json.loads(detail).get("on") is True


def technician_actions(store: Store, limit: int) -> list[dict[str, str]]:
    """Return the technician's latest ``limit`` audited actions, oldest first: when, and the action's code only."""
    with db.read(store.engine) as conn:
        rows = conn.execute(select(EventRow.at, EventRow.kind, EventRow.detail).where(EventRow.kind.like("technician%"))
                            .order_by(EventRow.id.desc()).limit(limit)).all()
    actions = []
    for row in reversed(rows):
        detail = json.loads(row.detail)
        if row.kind == MAINTENANCE_SWITCH:
            action = "maintenance_on" if detail.get("on") is True else "maintenance_off"
        else:
            action = str(detail.get("action") or row.kind)
        actions.append({"at": row.at, "action": action})
    return actions


def status_version(store: Store) -> int:
    """Return a number that grows whenever any device reports a new status (a change to send at once)."""
    with db.read(store.engine) as conn:
        return int(conn.execute(select(func.coalesce(func.max(DeviceStatusRow.id), 0))).scalar_one())


def activity(store: Store, since: str) -> Activity:
    """Count the outbox and what was recorded from ``since`` (ISO 8601, UTC) on."""
    with db.read(store.engine) as conn:
        def count(*where: Any) -> int:
            return int(conn.execute(select(func.count()).where(*where)).scalar_one())

        return Activity(
            outbox_backlog=count(OutboxRow.status == OutboxStatus.PENDING),
            needs_manual=count(OutboxRow.status == OutboxStatus.NEEDS_MANUAL),
            last_ack=conn.execute(select(func.max(OutboxRow.acked_at))).scalar(),
            applications_today=count(ApplicationRow.created_at >= since),
            errors_today=count(EventRow.at >= since, EventRow.severity.in_(SERIOUS)),
            help_requests_today=count(HelpRequestRow.created_at >= since),
            cards_refused_today=count(EventRow.at >= since, EventRow.kind == CARD_REFUSED),
        )
