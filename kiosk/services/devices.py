"""Use case: watch the devices, record every change of their status, and decide whether applications can start.

Each device has a poller (its own thread, drivers/poller.py): every change of state is recorded
in the store, where the sync agent's heartbeat reads it for the fleet monitor, and is handed to
whoever watches (the UI), which asks this watch whether new applications can start.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from drivers.cardreader.port import CardReader
from drivers.poller import Poller
from drivers.printer.port import Printer
from drivers.speech.port import Speaker
from drivers.status import Snapshot
from kiosk.services.availability import Availability, assess, certificate_revoked


class StatusRecorder(Protocol):
    """The part of the store that keeps device status snapshots."""

    def record_status(self, device: str, state: str, snapshot: dict[str, Any]) -> None:
        """Record one snapshot."""
        ...

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Return recorded events of ``kind``, oldest first."""
        ...


class DeviceWatch:
    """The devices' pollers, the store that records them, and the availability rule."""

    def __init__(self, printer: Printer, reader: CardReader, recorder: StatusRecorder, data_dir: Path, *,
                 catalog_loaded: bool, speaker: Speaker | None = None) -> None:
        """One poller per device; ``data_dir`` is where the store lives (its free space counts).

        The speaker is watched and reported to ops, but a terminal without sound still takes applications.
        """
        self.recorder, self.data_dir, self.catalog_loaded = recorder, data_dir, catalog_loaded
        self.maintenance = False  # in maintenance: central's command or the technician's switch
        self.pollers = {"printer": Poller("printer", printer.status),
                        "card_reader": Poller("card_reader", reader.status)}
        if speaker is not None:
            self.pollers["speaker"] = Poller("speaker", speaker.status)

    def start(self, changed: Callable[[Snapshot], None]) -> None:
        """Start polling: record every change in the store, then tell ``changed`` (on the poller's thread)."""
        def record(snapshot: Snapshot) -> None:
            self.recorder.record_status(snapshot.device, snapshot.state.value, snapshot.as_dict())
            changed(snapshot)
        for poller in self.pollers.values():
            poller.listen(record)
            poller.start()

    def stop(self) -> None:
        """Stop polling."""
        for poller in self.pollers.values():
            poller.stop()

    def availability(self, *, refresh: bool = False) -> Availability:
        """Decide from the latest snapshots and the disk (``refresh``: poll the devices first, blocking)."""
        if refresh:
            for poller in self.pollers.values():
                poller.refresh()
        usage = shutil.disk_usage(self.data_dir)
        latest = {name: p.latest if p.polled else None for name, p in self.pollers.items()}  # None: not known yet
        return assess(printer=latest["printer"], reader=latest["card_reader"],
                      disk_free_pct=100 * usage.free / usage.total, catalog_loaded=self.catalog_loaded,
                      maintenance=self.maintenance, revoked=certificate_revoked(self.recorder.events("selftest")))
