"""Which catalog the kiosk serves: the active signed release, else the installed catalog; switched between sessions.

The sync agent (or a technician's `catalog install`) stages a release; a technician's
`catalog rollback` changes the active one. The kiosk applies either only when no citizen is in a
session — at start and after each session ends — so a form is always filled, checked and stored
under the catalog it began with. A release whose catalog will not load, or that lacks this
terminal's hall, is rolled back and reported, and the kiosk keeps the catalog it has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from domain.catalog import Catalog, Hall, UnknownHall
from domain.catalog_loader import load_catalog
from domain.catalog_reader import CatalogError
from kiosk.store.releases import ReleaseStore
from protocol.release import ReleaseError

if TYPE_CHECKING:
    from kiosk.store.store import Store

log = logging.getLogger(__name__)


@dataclass
class CatalogSource:
    """The terminal's releases and its installed catalog; remembers which one the kiosk serves."""

    releases: ReleaseStore
    installed: Path
    serving: str | None = None  # the active release's name when the kiosk loaded it (None: the installed catalog)

    def load(self) -> Catalog:
        """Activate a staged release (no session is running) and load what is now active."""
        self.releases.activate_staged()
        self.serving = self.releases.state().current
        return load_catalog(self.releases.releases / self.serving if self.serving else self.installed)

    def switch(self, store: Store, hall_id: str) -> tuple[Catalog, Hall] | None:
        """Between sessions: return the catalog and hall to serve now, or None when nothing changed."""
        try:
            self.releases.activate_staged()
            current = self.releases.state().current
        except ReleaseError as exc:
            log.error("catalog releases unreadable: %s", exc, extra={"event": "catalog_state_damaged"})
            return None
        if current == self.serving:
            return None
        try:
            catalog = load_catalog(self.releases.releases / current if current else self.installed)
            hall = catalog.hall(hall_id)
        except (CatalogError, UnknownHall, OSError) as exc:
            if current:
                self.releases.rollback()
            store.record_event("catalog_switch_failed", "error", {"release": current, "error": type(exc).__name__})
            log.error("catalog %s not served: %s", current, type(exc).__name__,
                      extra={"event": "catalog_switch_failed"})
            return None
        self.serving = current
        store.record_event("catalog_switched", "info", {"release": current, "version": catalog.version})
        log.info("serving catalog %s", catalog.version, extra={"event": "catalog_switched", "release": current})
        return catalog, hall
