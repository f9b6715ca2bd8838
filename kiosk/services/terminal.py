"""What the kiosk UI works with: the catalog and hall, the store, the devices, the clock, the UI settings.

Each device has a poller (its own thread): every change of state is recorded in the store,
where the sync agent's heartbeat reads it for the fleet monitor, and is reported to the UI,
which decides from the latest snapshots whether new applications can start.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from domain.catalog import Catalog, Hall
from drivers.cardreader.port import CardReader
from drivers.poller import Poller
from drivers.printer.printer import EscposPrinter
from drivers.status import Snapshot
from kiosk.config import UiSection
from kiosk.services.availability import Availability, assess
from kiosk.store.store import Store


@dataclass
class Kiosk:
    """The terminal's parts, as the composition root built them."""

    catalog: Catalog
    hall: Hall
    terminal_id: str
    store: Store
    reader: CardReader
    printer: EscposPrinter
    settings: UiSection
    now: Callable[[], datetime]
    pollers: dict[str, Poller] = field(init=False)

    def __post_init__(self) -> None:
        """One poller per device."""
        self.pollers = {"printer": Poller("printer", self.printer.status),
                        "card_reader": Poller("card_reader", self.reader.status)}

    def watch(self, changed: Callable[[Snapshot], None]) -> None:
        """Start polling: record every change in the store, then tell ``changed`` (on the poller's thread)."""
        def record(snapshot: Snapshot) -> None:
            self.store.record_status(snapshot.device, snapshot.state.value, snapshot.as_dict())
            changed(snapshot)
        for poller in self.pollers.values():
            poller.listen(record)
            poller.start()

    def unwatch(self) -> None:
        """Stop polling."""
        for poller in self.pollers.values():
            poller.stop()

    def availability(self, *, refresh: bool = False) -> Availability:
        """Decide from the latest snapshots and the disk (``refresh``: poll the devices first, blocking)."""
        if refresh:
            for poller in self.pollers.values():
                poller.refresh()
        usage = shutil.disk_usage(self.store.path.parent)
        latest = {name: p.latest if p.polled else None for name, p in self.pollers.items()}  # None: not known yet
        return assess(printer=latest["printer"], reader=latest["card_reader"],
                      disk_free_pct=100 * usage.free / usage.total, catalog_loaded=bool(self.catalog.version))
