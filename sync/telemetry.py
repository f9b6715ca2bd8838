"""Collect the terminal's heartbeat (protocol/heartbeat.py is its schema) from the store and the machine."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from sqlalchemy import func, select

from kiosk.store import database as db
from kiosk.store.models import ApplicationRow, DeviceStatusRow, EventRow, HelpRequestRow, OutboxRow
from kiosk.store.outbox import oldest_pending_age
from kiosk.store.store import Store
from protocol.heartbeat import Component, Heartbeat


def _components(store: Store) -> list[Component]:
    """Return the latest snapshot of each device, reduced to codes."""
    latest = select(func.max(DeviceStatusRow.id)).group_by(DeviceStatusRow.device)
    with db.read(store.engine) as conn:
        rows = conn.execute(select(DeviceStatusRow).where(DeviceStatusRow.id.in_(latest))
                            .order_by(DeviceStatusRow.device)).all()
    components = []
    for row in rows:
        snapshot = json.loads(row.snapshot)
        error = snapshot.get("error") or {}
        media = {k: v for k, v in (snapshot.get("media") or {}).items() if k in {"paper", "card", "cover"}}
        components.append(Component(device=row.device, state=row.state, since=row.at, media=media,
                                    error_kind=error.get("kind"), error_code=error.get("code"),
                                    action=error.get("action")))
    return components


def _counts(store: Store, today: str) -> dict[str, int | str | None]:
    """Count what the heartbeat reports from the store."""
    with db.read(store.engine) as conn:
        def count(query: object) -> int:
            return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]

        return {
            "outbox_backlog": count(select(func.count()).where(OutboxRow.status == "pending")),
            "needs_manual": count(select(func.count()).where(OutboxRow.status == "needs_manual")),
            "last_ack": conn.execute(select(func.max(OutboxRow.acked_at))).scalar(),
            "applications_today": count(select(func.count()).where(ApplicationRow.created_at >= today)),
            "errors_today": count(select(func.count()).where(
                EventRow.at >= today, EventRow.severity.in_(("error", "critical")))),
            "help_requests_today": count(select(func.count()).where(HelpRequestRow.created_at >= today)),
        }


def _memory_used_pct() -> float | None:
    """Return the share of memory in use (Linux /proc/meminfo), or None elsewhere."""
    try:
        info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        total, available = int(info["MemTotal"].split()[0]), int(info["MemAvailable"].split()[0])
    except (OSError, KeyError, ValueError):
        return None
    return round(100 * (total - available) / total, 1)


def _uptime_s() -> float | None:
    """Return the machine's uptime in seconds, or None elsewhere."""
    try:
        return float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _cert_expires(cert_file: Path | None) -> str | None:
    """Return when the terminal's certificate expires."""
    if cert_file is None or not cert_file.exists():
        return None
    return x509.load_pem_x509_certificate(cert_file.read_bytes()).not_valid_after_utc.isoformat()


def collect(store: Store, terminal: str, *, app_version: str, catalog_version: str,
            cert_file: Path | None) -> Heartbeat:
    """Build a heartbeat from the store and the machine."""
    now = datetime.now(UTC)
    counts = _counts(store, now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat())
    age = oldest_pending_age(store)
    disk = shutil.disk_usage(store.path.parent)
    return Heartbeat(
        terminal=terminal, at=now.isoformat(), boot=store.boot, components=_components(store),
        oldest_unsynced_s=None if age is None else round(age.total_seconds(), 1), app_version=app_version,
        catalog_version=catalog_version, cert_expires=_cert_expires(cert_file),
        disk_free_pct=round(100 * disk.free / disk.total, 1), memory_used_pct=_memory_used_pct(),
        uptime_s=_uptime_s(), **counts,
    )


def status_version(store: Store) -> int:
    """Return a number that grows whenever any device reports a new status (a change to send at once)."""
    with db.read(store.engine) as conn:
        return int(conn.execute(select(func.coalesce(func.max(DeviceStatusRow.id), 0))).scalar_one())
