"""Use case: 秒批 at the receipt — wait a few seconds for central's approval of an application just submitted.

Online, the sync agent sends the application at once and central's rules approve it on arrival;
the approval comes back as a status change the agent writes into the store. The receipt waits
for it only as long as ``wait_s``: offline, or when the rules hand it to a person, the ordinary
receipt prints and the decision reaches the progress query later. A terminal that has been offline
for a while (entries older than ``STALE`` still wait for central, which an online agent would have
sent at its next turn) does not wait at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from domain.application import Application
from domain.catalog import Catalog
from domain.lifecycle import State
from domain.text import Text
from kiosk.store import status
from kiosk.store.outbox import oldest_pending_age
from kiosk.store.store import Store

APPROVED = frozenset({State.APPROVED, State.RESULT_READY})
POLL_S = 0.2  # how often the store is read while waiting
STALE = timedelta(seconds=30)  # entries waiting longer than this for central: the link is down


def await_approval(store: Store, catalog: Catalog, application: Application, wait_s: float, *,
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> Text | None:
    """Return what the citizen gets once central approved a 秒批 application within ``wait_s`` (else None)."""
    code = application.offering_code
    instant = catalog.offering(code).instant if code in catalog.items else None
    backlog = oldest_pending_age(store)
    if instant is None or (backlog is not None and backlog > STALE):
        return None
    deadline = clock() + wait_s
    while True:
        heard = status.of(store, str(application.id))
        if heard is not None and heard.state in APPROVED:
            return instant.outcome
        if clock() >= deadline:
            return None
        sleep(POLL_S)


def is_instant(catalog: Catalog, code: str) -> bool:
    """Return whether the item ``code`` is marked 秒批 (its receipt waits for the decision)."""
    return code in catalog.items and catalog.items[code].instant is not None
