"""Key rotation: rewrap every data key under a new key-encryption key in one transaction."""

from __future__ import annotations

from sqlalchemy import select, update

from kiosk.store import database as db
from kiosk.store.crypto import bind, key_id, open_sealed, seal
from kiosk.store.keys import KeyProvider
from kiosk.store.models import DataKey, Meta
from kiosk.store.store import Store


def rotate(store: Store, new_provider: KeyProvider) -> str:
    """Create a key with ``new_provider`` and rewrap all data keys under it; return its id.

    The records themselves are not re-encrypted: only their small wrapped keys change. If
    the process dies before the commit, the store still opens with the old key.
    """
    new_kek = new_provider.load() if new_provider.exists() else new_provider.create()
    new_id = key_id(new_kek)
    with db.write(store.engine) as conn:
        rows = conn.execute(select(DataKey.record_id, DataKey.wrapped)).all()
        for record_id, wrapped in rows:
            aad = bind("data_keys", record_id, "wrapped")
            data_key = open_sealed(store.kek, wrapped, aad)
            conn.execute(update(DataKey).where(DataKey.record_id == record_id).values(
                wrapped=seal(new_kek, data_key, aad), kek_id=new_id
            ))
        conn.execute(update(Meta).where(Meta.key == "kek_id").values(value=new_id))
    store.kek, store.kek_id = new_kek, new_id
    store.record_event("store_key_rotated", "info", {"key_id": new_id, "records": len(rows)})
    return new_id
