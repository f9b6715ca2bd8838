"""补齐 from any terminal: central checks an applicant's supplement and, in the transaction that stores it, takes it.

The supplement names the application by receipt number and carries the ID number the terminal's
card reader read. Only the application's holder may supplement it: the number's blind index
(progress.py) must be the application's ``holder``. The application must need a supplement now,
and the supplement must name exactly the materials owed, each in a way the item allows in the
catalog version the terminal showed (domain/supplement.py). Taken, the application goes back to
the acceptance check through the lifecycle (status.supplemented: changed, audited, its terminal
told by a signed command) and the materials and ways are kept in ``supplements``. Refused, nothing
is stored and the sending terminal gets the reason code in its ack.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from sqlalchemy import Connection, insert, select

from central.platform import status
from central.platform.catalogs import CatalogArchive
from central.platform.progress import holder_of
from central.platform.schema import application_status, messages, supplements
from domain.catalog import Catalog, Offering
from domain.lifecycle import State
from domain.supplement import Refusal, SupplementRefused, check
from protocol.envelope import EnvelopeError
from protocol.supplement import SupplementBody


def take(conn: Connection, body: SupplementBody, holder_key: bytes, archive: CatalogArchive,
         now: datetime) -> dict[str, str]:
    """Check and take one supplement in the caller's transaction; return its message row's query columns.

    Raise SupplementRefused (or EnvelopeError for a catalog version central never published) and change nothing.
    """
    application = conn.execute(select(messages.c.id, messages.c.item, messages.c.holder).where(
        messages.c.kind == "application", messages.c.number == body.number)).first()
    if application is None:
        raise SupplementRefused(Refusal.UNKNOWN_APPLICATION)
    claimed = holder_of(holder_key, body.holder)
    if application.holder is None or not hmac.compare_digest(application.holder, claimed):
        raise SupplementRefused(Refusal.NOT_APPLICANT)  # before anything about its state: a stranger learns nothing
    known = conn.execute(select(application_status.c.state, application_status.c.owed).where(
        application_status.c.application == application.id)).first()
    if known is None or known.state != State.NEEDS_SUPPLEMENT.value:
        raise SupplementRefused(Refusal.NOT_NEEDED)
    catalog = archive.find(body.catalog_version, body.catalog_hash)
    if catalog is None:
        raise EnvelopeError("unknown_catalog_version", f"{body.catalog_version} {body.catalog_hash}")
    owed = tuple(m for m in known.owed.split(",") if m)
    for version in {id(catalog): catalog, id(archive.newest()): archive.newest()}.values():
        check(owed, _offering(version, application.item), body.materials)  # the terminal's version and today's rules
    status.supplemented(conn, application.id, f"applicant@{body.terminal_id}", now)
    conn.execute(insert(supplements).values(
        message=body.id, application=application.id, number=body.number, terminal=body.terminal_id,
        at=now.isoformat(), materials=",".join(f"{s.material}:{s.way.value}" for s in body.materials)))
    return {"application_id": application.id, "item": application.item}


def _offering(catalog: Catalog, code: str | None) -> Offering | None:
    """Return the item or bundle ``code`` in the terminal's catalog version (None: it has no such code)."""
    try:
        return catalog.offering(code) if code else None
    except KeyError:  # UnknownCode: its materials are then handed in
        return None
