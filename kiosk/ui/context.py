"""What the kiosk UI works with: the catalog and hall, the store, the devices, the clock, the UI settings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from drivers.cardreader.port import CardReader
from drivers.printer.printer import EscposPrinter
from kiosk.config import UiSection
from kiosk.domain.catalog import Catalog, Hall
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

    def availability(self) -> Availability:
        """Ask the devices and the disk (blocking: call it off the UI thread)."""
        usage = shutil.disk_usage(self.store.path.parent)
        return assess(printer=self.printer.status(), reader=self.reader.status(),
                      disk_free_pct=100 * usage.free / usage.total, catalog_loaded=bool(self.catalog.version))
