"""Health and statistics of the store, for `yichuang store check|stats` and telemetry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kiosk.store import database as db
from kiosk.store.models import ApplicationRow, DataKey, EventRow, OutboxRow, RatingRow
from kiosk.store.outbox import oldest_pending_age
from kiosk.store.store import Store


def _size(path: Path) -> int:
    """Return a file's size, 0 when absent."""
    return path.stat().st_size if path.exists() else 0


def stats(store: Store) -> dict[str, Any]:
    """Count applications by state, outbox entries by status, ratings, keys and events."""
    with db.read(store.engine) as conn:
        states = dict(conn.execute(select(ApplicationRow.state, func.count()).group_by(ApplicationRow.state)).all())
        outbox = dict(conn.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
        shredded = conn.execute(select(func.count()).where(ApplicationRow.shredded_at.is_not(None))).scalar_one()
        ratings = conn.execute(select(func.count()).select_from(RatingRow)).scalar_one()
        keys = conn.execute(select(func.count()).select_from(DataKey)).scalar_one()
        critical = conn.execute(select(func.count()).where(EventRow.severity == "critical")).scalar_one()
    age = oldest_pending_age(store)
    return {
        "applications": {str(k): int(v) for k, v in states.items()},
        "outbox": {str(k): int(v) for k, v in outbox.items()},
        "shredded": int(shredded),
        "ratings": int(ratings),
        "live_data_keys": int(keys),
        "critical_events": int(critical),
        "oldest_unsynced_seconds": None if age is None else int(age.total_seconds()),
        "bytes": {"database": _size(store.path), "wal": _size(Path(f"{store.path}-wal"))},
    }


def check(store: Store) -> dict[str, Any]:
    """Check integrity, schema revision and key, and add the statistics."""
    problems = db.integrity_problems(store.engine)
    revision, head = db.current_revision(store.engine), db.head_revision()
    if revision != head:
        problems.append(f"schema at revision {revision}, expected {head}")
    return {
        "ok": not problems,
        "problems": problems,
        "path": str(store.path),
        "schema_revision": revision,
        "key_id": store.kek_id,
        **stats(store),
    }
