"""Collect the terminal's heartbeat (protocol/heartbeat.py is its schema) from the store and the machine."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509

from kiosk.services import remote
from kiosk.store import health
from kiosk.store.outbox import oldest_pending_age
from kiosk.store.store import Store
from protocol.heartbeat import AUDITED, MEDIA, Audited, Component, Heartbeat


def _components(store: Store) -> list[Component]:
    """Return the latest status of each device, reduced to the codes the heartbeat allows."""
    return [Component.model_validate({
        "device": s.device, "state": s.state, "since": s.since, "error_kind": s.error_kind,
        "error_code": s.error_code, "action": s.action, "media": {k: v for k, v in s.media.items() if k in MEDIA},
    }) for s in health.device_statuses(store)]


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
            cert_file: Path | None, catalog_refused: str | None = None, crl_updated: str | None = None) -> Heartbeat:
    """Build a heartbeat from the store and the machine."""
    now = datetime.now(UTC)
    today = health.activity(store, now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat())
    age = oldest_pending_age(store)
    disk = shutil.disk_usage(store.path.parent)
    return Heartbeat(
        terminal=terminal, at=now.isoformat(), boot=store.boot, components=_components(store),
        oldest_unsynced_s=None if age is None else round(age.total_seconds(), 1), app_version=app_version,
        catalog_version=catalog_version, catalog_refused=catalog_refused, cert_expires=_cert_expires(cert_file),
        disk_free_pct=round(100 * disk.free / disk.total, 1), memory_used_pct=_memory_used_pct(),
        uptime_s=_uptime_s(), **asdict(today), **health.last_selftest(store),
        maintenance=remote.out_for_maintenance(store),
        technician=[Audited(**action) for action in health.technician_actions(store, AUDITED)],
        crl_updated=crl_updated,
    )
