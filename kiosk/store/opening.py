"""Open the store: check the key before touching anything, migrate, quarantine a damaged file."""

from __future__ import annotations

import os
import sqlite3
from contextlib import suppress
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select

from kiosk.store import database as db
from kiosk.store.crypto import key_id
from kiosk.store.errors import KeyMissing, KeyProviderError, StoreError, WrongKey
from kiosk.store.keys import KeyProvider
from kiosk.store.models import Counter, DailyNumber, Meta
from kiosk.store.store import Clock, Store, utc_now

# If a quarantined file yields no receipt counters at all, numbering restarts at this floor
# for every date up to the day after the quarantine, so no receipt number is issued twice.
SAFETY_FLOOR = 5000
# Likewise the terminal-wide sequence jumps here, which central reports as an expected gap.
SEQUENCE_FLOOR = 1_000_000


def open_store(path: Path, provider: KeyProvider, clock: Clock = utc_now) -> Store:
    """Open (creating or upgrading) the store at ``path`` with the KEK from ``provider``.

    A damaged file is moved aside, never deleted, and a fresh store starts with an alert
    event; a wrong or missing key for a readable store stops here with nothing written. Two
    processes opening a brand-new store at once end up with the same key and store.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    existed = path.exists() and path.stat().st_size > 0
    if existed and not provider.exists():
        raise KeyMissing(
            f"the store {path} is encrypted, but its key ({provider.name}) is missing; "
            "restore the key, do not delete the store"
        )
    engine, quarantined, problems = _engine_quarantining(path, existed)
    kek = load_or_create(provider)
    expected = _stored_key_id(engine)
    if expected is not None and key_id(kek) != expected:
        engine.dispose()
        raise WrongKey(
            f"the {provider.name} key (id {key_id(kek)}) is not the key of {path} (id {expected}); nothing was changed"
        )
    counters = salvage_counters(quarantined) if quarantined else None
    if db.current_revision(engine) != db.newest_revision():  # an up-to-date store never imports Alembic
        db.migrate(engine, then=lambda conn: _initialise(conn, key_id(kek), counters, clock))
    if _stored_key_id(engine) != key_id(kek):  # another process initialised it first, with its key
        engine.dispose()
        raise WrongKey(f"{path} was initialised with another key at the same moment; nothing was changed")
    store = Store(engine, path, kek, key_id(kek), clock, provider=provider)
    store.daily_floor = _daily_floor(store)
    if quarantined is not None:
        store.record_event("store_quarantined", "critical", {
            "file": quarantined.name, "problems": problems[:3],
            "recover": f"yichuang store recover {quarantined}",
        })
    return store


def not_ready(path: Path) -> str | None:
    """Say why the store at ``path`` needs `store upgrade` first (missing, or an older schema); None if it does not."""
    if not path.is_file() or path.stat().st_size == 0:
        return f"no store at {path.absolute()}: check [store] path, or create it with `yichuang store upgrade`"
    engine = db.make_engine(path)
    try:
        current, head = db.current_revision(engine), db.head_revision()
    except StoreError:  # damaged: opening quarantines it and says so
        return None
    finally:
        engine.dispose()
    if current is None or current == head:  # None: damaged or empty, which opening handles (quarantine)
        return None
    return f"the store {path} is at schema {current}, this release uses {head}: run `yichuang store upgrade`"


def _engine_quarantining(path: Path, existed: bool) -> tuple[Engine, Path | None, list[str]]:
    """Open the database file; a damaged one is moved aside first (returned with its problems)."""
    engine = db.make_engine(path)
    problems = db.integrity_problems(engine) if existed else []
    if not problems:
        return engine, None, []
    engine.dispose()
    quarantined = db.quarantine(path)
    return db.make_engine(path), quarantined, problems


def load_or_create(provider: KeyProvider) -> bytes:
    """Return the provider's key, creating it if there is none (a concurrent creator wins)."""
    if provider.exists():
        return provider.load()
    try:
        return provider.create()
    except KeyProviderError:
        if provider.exists():  # created by the other process meanwhile
            return provider.load()
        raise


def _stored_key_id(engine: Engine) -> str | None:
    """Return the key id recorded in an existing store, or None for a new one."""
    if db.current_revision(engine) is None:
        return None
    with db.read(engine) as conn:
        return conn.execute(select(Meta.value).where(Meta.key == "kek_id")).scalar()


def _initialise(conn: Connection, kek_id: str, counters: tuple[dict[str, int], int] | None, clock: Clock) -> None:
    """In the migration transaction: record the key id of a new store and carry over counters."""
    if conn.execute(select(Meta.value).where(Meta.key == "kek_id")).scalar() is not None:
        return
    conn.execute(insert(Meta).values(key="kek_id", value=kek_id))
    conn.execute(insert(Meta).values(key="created_at", value=clock().astimezone(UTC).isoformat()))
    if counters is None:
        return
    daily, seq = counters
    for day, last in daily.items():
        conn.execute(insert(DailyNumber).values(day=day, last_seq=last))
    conn.execute(insert(Counter).values(name="seq", value=seq or SEQUENCE_FLOOR))
    if not daily:
        until = (clock() + timedelta(days=1)).date().isoformat()
        conn.execute(insert(Meta).values(key="daily_floor", value=f"{until}:{SAFETY_FLOOR}"))


def _daily_floor(store: Store) -> tuple[str, int] | None:
    """Return the numbering floor set after an unsalvageable quarantine, if any."""
    with db.read(store.engine) as conn:
        value = conn.execute(select(Meta.value).where(Meta.key == "daily_floor")).scalar()
    if value is None:
        return None
    day, _, floor = value.partition(":")
    return day, int(floor)


def salvage_counters(path: Path) -> tuple[dict[str, int], int]:
    """Read what receipt counters and sequence a damaged file still yields (best effort)."""
    daily: dict[str, int] = {}
    seq = 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return daily, seq
    try:
        with suppress(sqlite3.Error):
            daily.update({str(d): int(n) for d, n in conn.execute("SELECT day, last_seq FROM daily_numbers")})
        for query in ("SELECT max(seq) FROM outbox", "SELECT value FROM counters WHERE name = 'seq'"):
            with suppress(sqlite3.Error, TypeError):
                seq = max(seq, int(conn.execute(query).fetchone()[0] or 0))
    finally:
        conn.close()
    return daily, seq
