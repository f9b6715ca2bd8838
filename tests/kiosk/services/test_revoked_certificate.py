"""The self-test's broker probe names a revoked certificate; the kiosk's availability reads it from the store.

The real fleet of tests/sync/test_selftest.py: a CA, mosquitto checking its CRL, LC0002 revoked.
"""

from __future__ import annotations

from pathlib import Path

from drivers.cardreader.factory import open_card_reader
from drivers.printer.factory import SimulatedPrinter, open_printer
from kiosk.services.availability import REVOKED
from kiosk.services.devices import DeviceWatch
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from tests.sync.test_selftest import Fleet, fleet, selftest, terminal_config

__all__ = ["fleet"]  # the module-scoped fixture: a CA and a broker with its CRL


def _availability(folder: Path) -> tuple[bool, tuple[object, ...]]:
    """Open the terminal's store and devices as the kiosk does; return whether it can apply and why not."""
    store = open_store(folder / "store.db", KeyFileProvider(folder / "store.key"))
    reader, printer = open_card_reader("sim://?timeout=1"), open_printer("sim://")
    assert isinstance(printer, SimulatedPrinter)
    try:
        availability = DeviceWatch(printer, reader, store, folder, catalog_loaded=True).availability(refresh=True)
    finally:
        printer.close()
        printer.emulator.stop()
        store.close()
    return availability.can_apply, availability.reasons


def test_a_revoked_terminal_goes_out_of_service_saying_why(fleet: Fleet, tmp_path: Path) -> None:
    code, checks = selftest(terminal_config(fleet, tmp_path, "LC0002"))
    assert code == 1
    assert checks["broker"]["ok"] is False
    can_apply, reasons = _availability(tmp_path)
    assert not can_apply
    assert REVOKED in reasons


def test_a_terminal_the_broker_accepts_is_not_called_revoked(fleet: Fleet, tmp_path: Path) -> None:
    code, checks = selftest(terminal_config(fleet, tmp_path, "LC0001"))
    assert checks["broker"]["ok"] is True, (code, checks)
    assert REVOKED not in _availability(tmp_path)[1]
