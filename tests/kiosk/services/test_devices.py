"""Device use cases on real backends: the printer emulator on TCP and the SAM card reader simulator.

The watch records every change of status in the store (the heartbeat reads it from there) and
decides whether applications can start; receipts print through the printer port; the card read
waits for a card, maps every driver failure to a problem the citizen is told, and stops within
a second once nobody wants the card any more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.cardreader.factory import SimulatedReader, open_card_reader
from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.printer.errors import PrinterNotReady
from drivers.printer.factory import SimulatedPrinter, open_printer
from drivers.speech.recording import RecordingSpeaker
from drivers.status import PaperState
from kiosk.services.availability import PAPER_OUT
from kiosk.services.devices import DeviceWatch
from kiosk.services.identify import CardNotRead, ReadProblem, read_card
from kiosk.services.printing import print_receipt
from kiosk.store import health
from kiosk.store.store import Store
from tests.domain.samples import ITEM, receipt_for
from tests.kiosk.store.helpers import open_test_store


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[tuple[SimulatedReader, SimulatedPrinter, Store]]:
    reader, printer = open_card_reader("sim://?timeout=1"), open_printer("sim://")
    assert isinstance(reader, SimulatedReader)
    assert isinstance(printer, SimulatedPrinter)
    reader.open()
    store = open_test_store(tmp_path)
    yield reader, printer, store
    reader.close()
    printer.close()
    printer.emulator.stop()
    store.close()


def test_the_watch_records_changes_and_stops_applications_when_paper_runs_out(devices) -> None:
    reader, printer, store = devices
    watch = DeviceWatch(printer, reader, store, store.path.parent, catalog_loaded=True)
    changes: list[str] = []
    watch.start(lambda snapshot: changes.append(snapshot.device))
    try:
        assert watch.availability(refresh=True).can_apply
        printer.emulator.state.paper = PaperState.OUT
        availability = watch.availability(refresh=True)
    finally:
        watch.stop()
    assert PAPER_OUT in availability.reasons
    latest = {s.device: s for s in health.device_statuses(store)}
    assert latest["printer"].media["paper"] == "out"
    assert latest["card_reader"].state == "online"
    assert changes.count("printer") >= 2  # online, then out of paper


def test_a_terminal_without_sound_is_reported_and_still_takes_applications(devices) -> None:
    reader, printer, store = devices
    watch = DeviceWatch(printer, reader, store, store.path.parent, catalog_loaded=True,
                        speaker=RecordingSpeaker(silent=True))
    watch.start(lambda snapshot: None)
    try:
        assert watch.availability(refresh=True).can_apply
    finally:
        watch.stop()
    speaker = {s.device: s for s in health.device_statuses(store)}["speaker"]
    assert speaker.state == "no_device"
    assert speaker.error_code == "no_audio_device"


def test_a_receipt_prints_on_the_emulator_and_never_into_an_empty_printer(devices) -> None:
    _reader, printer, _store = devices
    print_receipt(printer, receipt_for(ITEM.code)[1], "zh")
    printed = "\n".join(i.text for i in printer.emulator.items if i.kind == "text")
    assert "受理回执" in printed
    printer.emulator.state.paper = PaperState.OUT
    before = len(printer.emulator.items)
    with pytest.raises(PrinterNotReady):
        print_receipt(printer, receipt_for(ITEM.code)[1], "en")
    assert len(printer.emulator.items) == before


def test_a_placed_card_is_read_and_a_lifted_one_is_named(devices) -> None:
    reader = devices[0]
    reader.simulator.place(SAMPLE_CARDS["zhang"])
    assert read_card(reader, lambda: True, wait_s=5).masked_name == "张*丰"
    reader.simulator.lift()
    reader.simulator.faults.lift_during_read = True
    reader.simulator.place(SAMPLE_CARDS["li"])
    with pytest.raises(CardNotRead) as lifted:
        read_card(reader, lambda: True, wait_s=5)
    assert lifted.value.problem is ReadProblem.LIFTED


def test_a_wait_nobody_wants_stops_within_a_second_and_a_silent_reader_is_down(devices) -> None:
    reader = devices[0]
    wanted = threading.Event()
    wanted.set()
    threading.Timer(0.5, wanted.clear).start()
    started = time.monotonic()
    with pytest.raises(CardNotRead) as left:
        read_card(reader, wanted.is_set, wait_s=20)
    assert left.value.problem is ReadProblem.NO_CARD
    assert time.monotonic() - started < 2.5
    reader.simulator.faults.silent = True
    with pytest.raises(CardNotRead) as silent:
        read_card(reader, lambda: True, wait_s=3)
    assert silent.value.problem is ReadProblem.READER_DOWN
