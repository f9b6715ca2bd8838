"""Key rotation: rewrap every data key under a new key-encryption key in one transaction."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Connection, select, update

from kiosk.store import database as db
from kiosk.store.crypto import bind, key_id, open_sealed, seal
from kiosk.store.keys import KeyProvider
from kiosk.store.models import ApplicationRow, DataKey, Meta
from kiosk.store.store import Store


def rotate(store: Store, new_provider: KeyProvider) -> str:
    """Create a key with ``new_provider`` and rewrap all data keys under it; return its id.

    The records themselves are not re-encrypted: only their small wrapped keys change. If
    the process dies before the commit, the store still opens with the old key.
    """
    new_kek = new_provider.load() if new_provider.exists() else new_provider.create()
    new_id = key_id(new_kek)
    with db.write(store.engine) as conn:
        records = _rewrap_data_keys(conn, store.kek, new_kek, new_id)
        records += _rewrap_applications(conn, store.kek, new_kek, new_id)
        conn.execute(update(Meta).where(Meta.key == "kek_id").values(value=new_id))
    store.kek, store.kek_id = new_kek, new_id
    store.record_event("store_key_rotated", "info", {"key_id": new_id, "records": records})
    return new_id


def _rewrapped(old_kek: bytes, new_kek: bytes, record_id: str, wrapped: bytes) -> bytes:
    """Return a data key wrapped under ``new_kek`` instead of ``old_kek``."""
    aad = bind("data_keys", record_id, "wrapped")
    return seal(new_kek, open_sealed(old_kek, wrapped, aad), aad)


def _rewrap_data_keys(conn: Connection, old_kek: bytes, new_kek: bytes, new_id: str) -> int:
    """Rewrap the keys of ratings and the device secret; return how many."""
    rows = conn.execute(select(DataKey.record_id, DataKey.wrapped)).all()
    for record_id, wrapped in rows:
        conn.execute(update(DataKey).where(DataKey.record_id == record_id).values(
            wrapped=_rewrapped(old_kek, new_kek, record_id, wrapped), kek_id=new_id
        ))
    return len(rows)


def _rewrap_applications(conn: Connection, old_kek: bytes, new_kek: bytes, new_id: str) -> int:
    """Rewrap the keys kept in the rows of applications not shredded yet; return how many."""
    rows = conn.execute(select(ApplicationRow.id, ApplicationRow.wrapped_key)
                        .where(ApplicationRow.wrapped_key.is_not(None))).all()
    for record_id, wrapped in rows:
        conn.execute(update(ApplicationRow).where(ApplicationRow.id == record_id).values(
            wrapped_key=_rewrapped(old_kek, new_kek, record_id, cast(bytes, wrapped)), kek_id=new_id  # never NULL here
        ))
    return len(rows)
