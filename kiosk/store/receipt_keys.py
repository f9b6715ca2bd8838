"""The terminal's receipt key and central's delegation of it, kept in the store's meta table.

The key's 32-byte seed is wrapped under the store's key-encryption key like any data key; after a
KEK rotation or on a new store it no longer unwraps, and the kiosk simply makes a new key and has
it vouched for again (receipts already printed carry their own delegation and stay verifiable).
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from kiosk.store import database as db
from kiosk.store.crypto import DecryptionFailed
from kiosk.store.models import Meta
from kiosk.store.store import Store

SEED, DELEGATION = "receipt_key", "receipt_delegation"
BINDING = "receipt-key"  # the wrapped seed's associated data names what it is


def load(store: Store) -> tuple[bytes | None, bytes]:
    """Return the receipt key's seed (None: none, or one this store's key no longer opens) and its delegation."""
    with db.read(store.engine) as conn:
        kept = {row.key: row.value for row in conn.execute(select(Meta.key, Meta.value)
                                                             .where(Meta.key.in_((SEED, DELEGATION))))}
    if SEED not in kept:
        return None, b""
    try:
        seed = store.unwrap(bytes.fromhex(kept[SEED]), BINDING)
    except (DecryptionFailed, ValueError):
        return None, b""
    return seed, bytes.fromhex(kept.get(DELEGATION, ""))


def save(store: Store, seed: bytes, delegation: bytes) -> None:
    """Keep a receipt key (wrapped) and central's delegation of it, replacing any before."""
    with db.write(store.engine) as conn:
        conn.execute(delete(Meta).where(Meta.key.in_((SEED, DELEGATION))))
        conn.execute(insert(Meta), [{"key": SEED, "value": store.wrap(seed, BINDING).hex()},
                                    {"key": DELEGATION, "value": delegation.hex()}])
