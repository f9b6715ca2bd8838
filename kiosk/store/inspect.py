"""Health and statistics of the store, for `yichuang store check|stats` and telemetry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select, union_all

from kiosk.store import database as db
from kiosk.store.crypto import DecryptionFailed, bind, open_sealed
from kiosk.store.models import ApplicationRow, DataKey, EventRow, OutboxRow, RatingRow
from kiosk.store.outbox import checkpoint_owed, oldest_pending_age
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
        keys = conn.execute(select(func.count()).select_from(DataKey)).scalar_one() + conn.execute(
            select(func.count()).where(ApplicationRow.wrapped_key.is_not(None))).scalar_one()
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


def _unresolved_quarantines(store: Store) -> list[str]:
    """Name quarantined files that no recovery has processed yet."""
    recovered = {e["detail"].get("file") for e in store.events("store_recovered")}
    return [
        f"the store was damaged and moved aside to {e['detail']['file']} at {e['at']}; run: {e['detail']['recover']}"
        for e in store.events("store_quarantined") if e["detail"].get("file") not in recovered
    ]


def _key_problems(store: Store) -> list[str]:
    """Check that every live data key was wrapped with the current key and unwraps."""
    bad = 0
    with db.read(store.engine) as conn:
        rows: list[Any] = list(conn.execute(union_all(
            select(DataKey.record_id, DataKey.kek_id, DataKey.wrapped),
            select(ApplicationRow.id, ApplicationRow.kek_id, ApplicationRow.wrapped_key)
            .where(ApplicationRow.wrapped_key.is_not(None)),
        )))
    for record_id, kek_id, wrapped in rows:
        try:
            if kek_id != store.kek_id:
                raise DecryptionFailed("wrapped with another key")
            open_sealed(store.kek, wrapped, bind("data_keys", record_id, "wrapped"))
        except DecryptionFailed:
            bad += 1
    return [f"{bad} of {len(rows)} data keys do not unwrap with the current key"] if bad else []


def check(store: Store) -> dict[str, Any]:
    """Check integrity, schema revision, keys and past quarantines, and add the statistics."""
    problems = db.integrity_problems(store.engine)
    revision, head = db.current_revision(store.engine), db.head_revision()
    if revision != head:
        problems.append(f"schema at revision {revision}, expected {head}")
    problems += _key_problems(store) + _unresolved_quarantines(store)
    if checkpoint_owed(store):
        problems.append("shredded keys may remain in the WAL until a checkpoint succeeds (run: yichuang store shred)")
    return {
        "ok": not problems,
        "problems": problems,
        "path": str(store.path),
        "schema_revision": revision,
        "key_id": store.kek_id,
        **stats(store),
    }
