"""Central's answers to 进度查询 from any terminal: by receipt number, or by the holder's ID card.

By number anyone holding the receipt may ask: the item, state, dates, reason and what is owed,
nothing personal. By card the terminal read the citizen's own card: that holder's newest
applications. Central never stores an ID number in clear to find them: an application's
``holder`` column is an HMAC of the number under a key derived from central's private key
(a blind index), so the column alone names nobody and cannot be recomputed without that key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import ColumnElement, Engine, select, update

from central.platform import queries
from central.platform.catalogs import CatalogArchive
from central.platform.keys import CentralKeys
from central.platform.schema import application_status, messages
from domain.catalog import Catalog
from protocol.query import MAX_FOUND, Answer, Found, Question


def holder_key(keys: CentralKeys) -> bytes:
    """Return the blind index's key, derived from central's uplink private key (stable across restarts)."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"yichuang holder index v1").derive(
        keys.uplink.private_bytes_raw())


def holder_of(key: bytes, id_number: str) -> str:
    """Return the blind index of an ID number (case and spaces as a clerk would ignore them)."""
    normal = "".join(id_number.split()).upper()
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


def holder_in(key: bytes, catalog: Catalog, code: str, values: dict[str, Any]) -> str | None:
    """Return the blind index of the ID number an application's form holds (None: it holds none)."""
    number = catalog.offering(code).form.holder_number(values)
    return None if number is None else holder_of(key, number)


def answer(engine: Engine, key: bytes, question: Question, now: datetime) -> Answer:
    """Return what central knows for ``question``: one application by number, or a holder's newest."""
    where = (messages.c.number == question.value if question.by == "number"
             else messages.c.holder == holder_of(key, question.value))
    found = _found(engine, where)
    return Answer(now.isoformat(), found, "" if found else "not_found")


def by_number(engine: Engine, number: str) -> Found | None:
    """Return the application with receipt ``number`` as central knows it (None: not received)."""
    found = _found(engine, messages.c.number == number)
    return found[0] if found else None


def _found(engine: Engine, where: ColumnElement[bool]) -> tuple[Found, ...]:
    """Return the applications matching ``where``, newest first: nothing personal."""
    query = (select(messages.c.number, messages.c.item, messages.c.created, messages.c.received_at,
                    application_status.c.state, application_status.c.reason, application_status.c.owed,
                    application_status.c.due, application_status.c.changed_at)
             .select_from(messages.outerjoin(application_status, application_status.c.application == messages.c.id))
             .where(messages.c.kind == "application", where)
             .order_by(messages.c.created.desc()).limit(MAX_FOUND))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return tuple(Found(row.number, row.item, row.state or "received", row.created[:10],
                       row.changed_at or row.received_at, row.reason or "",
                       tuple(m for m in (row.owed or "").split(",") if m), row.due or "") for row in rows)


def index_holders(engine: Engine, keys: CentralKeys, archive: CatalogArchive, batch: int = 500) -> tuple[int, int]:
    """Fill the holder index of applications stored before it existed; return (indexed, without an ID number)."""
    key, indexed, without = holder_key(keys), 0, 0
    pending = select(messages.c.id).where(messages.c.kind == "application", messages.c.holder.is_(None))
    with engine.connect() as conn:
        ids = list(conn.execute(pending).scalars())
    for start in range(0, len(ids), batch):
        found: dict[str, str] = {}
        for message_id in ids[start:start + batch]:
            holder = _holder_of_stored(engine, keys, archive, key, message_id)
            if holder is None:
                without += 1
            else:
                found[message_id] = holder
        with engine.begin() as conn:
            for message_id, holder in found.items():
                conn.execute(update(messages).where(messages.c.id == message_id).values(holder=holder))
        indexed += len(found)
    return indexed, without


def _holder_of_stored(engine: Engine, keys: CentralKeys, archive: CatalogArchive, key: bytes,
                      message_id: str) -> str | None:
    """Return the blind index of a stored application's ID number (None: none, or a catalog no longer kept)."""
    data = json.loads(queries.content(engine, keys, message_id) or b"{}")
    catalog = archive.find(str(data.get("catalog_version")), str(data.get("catalog_hash")))
    values = data.get("values")
    if catalog is None or not isinstance(values, dict):
        return None
    try:
        return holder_in(key, catalog, str(data.get("offering_code")), values)
    except KeyError:  # an item the catalog version does not have (central refused such at ingest)
        return None
