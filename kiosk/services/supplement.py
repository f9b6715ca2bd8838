"""Use case: 补齐 at any terminal — the applicant's own card finds what is owed; each material is declared or handed in.

Central answers by card which of the holder's applications need a supplement (offline, this terminal
knows its own applications); the card's ID number stays in this session's memory only, goes into the
supplement sealed to central's key (central checks it is the application's holder), and is dropped with
the session. The supplement is stored and queued in one transaction, like an application: it reaches
central exactly once, whenever the link allows. The 补正 receipt waits a few seconds for central's
verdict: taken, it says the application continues; refused, the citizen is told why and nothing prints.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime

from domain.catalog import Catalog, Hall, Offering, SupplementWay
from domain.lifecycle import State
from domain.supplement import SupplementReceipt, Supplied, check, declaration, ways_for
from domain.text import Text
from kiosk.services.progress import Progress, item_name, look_up
from kiosk.store import supplements
from kiosk.store.errors import RecordShredded
from kiosk.store.models import OutboxStatus
from kiosk.store.store import Store
from protocol.supplement import SupplementBody

POLL_S = 0.2


@dataclass(frozen=True)
class Verdict:
    """Central's word on a stored supplement: taken (True), refused (False, with its reason code) or none yet (None)."""

    taken: bool | None
    reason: str = ""


@dataclass(frozen=True)
class Owed:
    """One owed material: its id, its name, and the ways its item allows."""

    material: str
    name: Text
    ways: tuple[SupplementWay, ...]


@dataclass(frozen=True)
class Pending:
    """An application of the card's holder that needs a supplement, and what it owes."""

    progress: Progress
    owed: tuple[Owed, ...]


@dataclass
class SupplementSession:
    """One citizen's supplement: the card's number (in memory only), the application chosen, a way per material."""

    holder: str = field(repr=False)
    pending: list[Pending]
    chosen: Pending | None = None
    ways: dict[str, SupplementWay] = field(default_factory=dict)
    record_id: str = ""  # set once stored: the supplement is durable from then on

    def choose(self, pending: Pending) -> None:
        """Start on one application; a material with one allowed way has it chosen already."""
        self.chosen = pending
        self.ways = {o.material: o.ways[0] for o in pending.owed if len(o.ways) == 1}

    def supplied(self) -> tuple[Supplied, ...]:
        """Return the materials with the way chosen for each, in the order owed."""
        owed = self.chosen.owed if self.chosen is not None else ()
        return tuple(Supplied(o.material, self.ways[o.material]) for o in owed if o.material in self.ways)

    def ready(self) -> bool:
        """Return whether every owed material has a way."""
        return self.chosen is not None and len(self.supplied()) == len(self.chosen.owed)

    def declarations(self) -> list[Text]:
        """Return the 告知承诺 the citizen confirms (one per declared material)."""
        owed = self.chosen.owed if self.chosen is not None else ()
        return [declaration(o.name) for o in owed if self.ways.get(o.material) is SupplementWay.DECLARE]


def offering_of(catalog: Catalog, code: str) -> Offering | None:
    """Return the item or bundle ``code`` (None: this catalog no longer has it; its materials are handed in)."""
    return catalog.offering(code) if code in catalog.items or code in catalog.bundles else None


def pending_of(catalog: Catalog, found: list[Progress], waiting: AbstractSet[str] = frozenset()) -> list[Pending]:
    """Return the applications that need a supplement now (none ``waiting`` here already), with what they owe."""
    result = []
    for progress in found:
        if progress.state is not State.NEEDS_SUPPLEMENT or not progress.owed_ids or progress.number in waiting:
            continue
        offering = offering_of(catalog, progress.item_code)
        result.append(Pending(progress, tuple(Owed(m, name, ways_for(offering, m))
                                              for m, name in zip(progress.owed_ids, progress.owed, strict=True))))
    return result


def held_here(store: Store, catalog: Catalog, id_number: str) -> list[Progress]:
    """Return this terminal's own applications held by ``id_number`` that central said need a supplement."""
    found = []
    try:
        owing = supplements.owing_here(store)
    except RecordShredded:  # shredded while read: nothing of it is left to match
        return []
    card = "".join(id_number.split()).upper()
    for number, content in owing:
        offering, values = offering_of(catalog, str(content.get("offering_code"))), content.get("values")
        if offering is not None and isinstance(values, dict) and offering.form.holder_number(values) == card:
            progress = look_up(store, catalog, number)
            if isinstance(progress, Progress):
                found.append(progress)
    return found


def store_supplement(store: Store, catalog: Catalog, hall: Hall, session: SupplementSession, *, terminal_id: str,
                     now: datetime) -> SupplementReceipt:
    """Check the supplement and store it with its outbox entry (SupplementRefused); return its 补正 receipt."""
    chosen = session.chosen
    if chosen is None:
        raise ValueError("no application chosen")
    progress, supplied = chosen.progress, session.supplied()
    check(tuple(o.material for o in chosen.owed), offering_of(catalog, progress.item_code), supplied)
    record_id = str(uuid.uuid4())
    body = SupplementBody(record_id, terminal_id, progress.number, "".join(session.holder.split()).upper(),
                          supplied, catalog.version, catalog.content_hash, now.isoformat())
    supplements.add(store, record_id, progress.number, offering_code=progress.item_code, supplied=supplied,
                    body=body.as_json())
    session.record_id = record_id
    names = {o.material: o.name for o in chosen.owed}
    listed = tuple((names[s.material], s.way) for s in supplied)
    return SupplementReceipt(hall.name, hall.phone, hall.counter, progress.number,
                             item_name(catalog, progress.item_code), listed, now, delivered=False)


def await_verdict(store: Store, record_id: str, wait_s: float, *, sleep: Callable[[float], None] = time.sleep,
                  clock: Callable[[], float] = time.monotonic) -> Verdict:
    """Return central's verdict once it comes within ``wait_s`` (else none yet: it goes when the link allows)."""
    deadline = clock() + wait_s
    while True:
        found = supplements.verdict(store, record_id)
        if found.status is not OutboxStatus.PENDING:
            return Verdict(found.status is OutboxStatus.ACKED, found.reason)
        if clock() >= deadline:
            return Verdict(None)
        sleep(POLL_S)

