"""PC/SC on the real stack: a private pcscd, vpcd readers and virtual PBOC cards."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from domain.identity import DocumentType
from drivers.cardreader.errors import CardLifted, ReaderTimeout, ReaderUnavailable
from drivers.cardreader.pcsc.monitor import CardEvent, CardMonitor
from drivers.cardreader.pcsc.reader import PcscReader
from drivers.status import DeviceState
from tests.common import ROOT, YICHUANG
from tests.drivers.pboc_cards import ATR, PAN_MASKED, RECORD_1_1_BARE, pboc_card
from tests.drivers.pcsc_env import PrivatePcscd, VirtualCard
from tests.drivers.pcsc_fixtures import READER


class Events:
    """Collects monitor events and waits for them."""

    def __init__(self) -> None:
        self.seen: list[CardEvent] = []
        self.changed = threading.Condition()

    def __call__(self, event: CardEvent) -> None:
        with self.changed:
            self.seen.append(event)
            self.changed.notify_all()

    def wait_for(self, kind: str, reader: str = READER, after: int = 0, timeout: float = 15) -> CardEvent:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for event in self.seen[after:]:
                    if event.kind == kind and event.reader == reader:
                        return event
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no {kind} for {reader}; saw {[(e.kind, e.reader) for e in self.seen]}"
                self.changed.wait(remaining)


@pytest.fixture
def monitor(pcscd: PrivatePcscd) -> Iterator[tuple[CardMonitor, Events]]:
    events = Events()
    watcher = CardMonitor(events, match="Virtual PCD")
    watcher.start()
    events.wait_for("reader_online")
    yield watcher, events
    watcher.stop()


def test_insert_and_remove_events(monitor: tuple[CardMonitor, Events], card_slot: Callable[..., VirtualCard]) -> None:
    _, events = monitor
    events.wait_for("reader_online", "Virtual PCD 00 01")
    card = card_slot()
    inserted = events.wait_for("card_inserted")
    assert inserted.atr == ATR.hex().upper()
    mark = len(events.seen)
    card.remove()
    events.wait_for("card_removed", after=mark)


def test_a_pboc_card_with_all_holder_tags(card_slot: Callable[..., VirtualCard]) -> None:
    card = card_slot()
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    identity = reader.read_identity()
    reader.close()
    assert identity.document_type is DocumentType.BANK_CARD_HOLDER
    assert identity.name == "ZHANG/SANFENG"
    assert identity.id_number == "370303198505120012"
    assert identity.extra == {"card_number": PAN_MASKED, "aid": "A000000333010101", "id_type": "居民身份证",
                              "card_expiry": "2030-12-31"}
    gpo = next(c for c in card.commands if c[:2] == bytes.fromhex("80A8"))
    assert gpo[4:7] == bytes.fromhex("12 83 10")  # the PDOL's 16 bytes, in a tag-83 template
    assert gpo[7 + 4 + 6 + 4 : 7 + 16] == bytes.fromhex("0156")  # currency CNY where the PDOL put it


def test_a_card_without_holder_tags_gives_a_card_number_only(card_slot: Callable[..., VirtualCard]) -> None:
    card_slot(pboc_card(record_1_1=RECORD_1_1_BARE))
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    identity = reader.read_identity()
    reader.close()
    assert (identity.name, identity.id_number) == ("", "")
    assert identity.extra["card_number"] == PAN_MASKED
    assert "6228480123456789012" not in repr(identity) + str(identity.extra)


def test_61xx_and_6cxx_are_followed(card_slot: Callable[..., VirtualCard]) -> None:
    card = card_slot(pboc_card(wrong_le=True))
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    assert reader.read_identity().name == "ZHANG/SANFENG"
    reader.close()
    assert bytes.fromhex("00 C0 00 00 26") in card.commands  # GET RESPONSE for the 38 bytes announced (61 26)
    assert bytes.fromhex("00 B2 01 0C 40") in card.commands  # READ RECORD resent with Le = 64


def test_a_card_pulled_out_mid_exchange(card_slot: Callable[..., VirtualCard]) -> None:
    card_slot(pboc_card(pull_at_record=True))
    reader = PcscReader(READER)
    assert reader.wait_for_card(10)
    with pytest.raises(CardLifted):
        reader.read_identity()
    deadline = time.monotonic() + 10
    while reader.status().media.get("card") != "not_present":  # the citizen took the card away
        assert time.monotonic() < deadline
        time.sleep(0.05)
    card_slot()
    assert reader.wait_for_card(10)
    assert reader.read_identity().name == "ZHANG/SANFENG"  # the reader carries on with the next card
    reader.close()


def test_the_card_thread_stopped_and_restarted(monitor: tuple[CardMonitor, Events],
                                               card_slot: Callable[..., VirtualCard]) -> None:
    _, events = monitor
    card = card_slot()
    events.wait_for("card_inserted")
    mark = len(events.seen)
    card.remove()
    events.wait_for("card_removed", after=mark)
    card.insert()
    events.wait_for("card_inserted", after=mark)
    reader = PcscReader(READER)
    assert reader.read_identity().extra["card_number"] == PAN_MASKED
    reader.close()


def test_pcscd_killed_and_restarted_while_monitoring(pcscd: PrivatePcscd, monitor: tuple[CardMonitor, Events],
                                                     card_slot: Callable[..., VirtualCard]) -> None:
    watcher, events = monitor
    card_slot(persistent=True)
    events.wait_for("card_inserted")
    reader = PcscReader(READER)
    assert reader.status().state is DeviceState.ONLINE
    mark = len(events.seen)
    pcscd.kill()
    events.wait_for("reader_offline", after=mark)
    assert reader.status().state is DeviceState.OFFLINE
    with pytest.raises(ReaderUnavailable):
        reader.read_identity()
    assert watcher.alive  # no silent death
    pcscd.start()
    events.wait_for("reader_online", after=mark, timeout=30)
    events.wait_for("card_inserted", after=mark, timeout=30)  # the card reconnects to the new vpcd
    assert reader.status().state is DeviceState.ONLINE
    assert reader.read_identity().name == "ZHANG/SANFENG"
    reader.close()
    assert watcher.sessions >= 2


def test_a_missing_reader_is_named(pcscd: PrivatePcscd, tmp_path: Path) -> None:
    reader = PcscReader("No Such Reader")
    with pytest.raises(ReaderUnavailable, match="No Such Reader"):
        reader.open()


def _cli(pcscd: PrivatePcscd, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": str(pcscd.socket_path)}
    return subprocess.Popen([str(YICHUANG), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)


def test_card_read_over_pcsc_is_masked(pcscd: PrivatePcscd, card_slot: Callable[..., VirtualCard]) -> None:
    card_slot()
    process = _cli(pcscd, "card", "read", "--url", f"pcsc://{READER}", "--json", "--timeout", "10")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    data = json.loads(out)
    assert data["document_type"] == "bank_card_holder"
    assert data["id_number"] == "370303********0012"
    assert data["extra"] == {"card_number": "****", "aid": "****", "id_type": "****", "card_expiry": "****"}
    assert "6228480123456789012" not in out + err


def test_card_watch_prints_reader_and_card_events(pcscd: PrivatePcscd,
                                                  card_slot: Callable[..., VirtualCard]) -> None:
    process = _cli(pcscd, "card", "watch", "--url", "pcsc://Virtual PCD 00 00", "--count", "1")
    time.sleep(1.5)
    card_slot()
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    lines = out.splitlines()
    assert lines[0].endswith(f"reader_online {READER}")
    assert any(f"card_inserted {READER} ATR {ATR.hex().upper()}" in line for line in lines)
    assert lines[-1] == "bank_card_holder Z***/S*** 370303********0012"


def test_a_card_that_stops_answering_times_out_and_status_stays_responsive(
        card_slot: Callable[..., VirtualCard]) -> None:
    answers = pboc_card()

    def mute_at_records(command: bytes) -> bytes | None:
        if command[:2] == bytes.fromhex("00 B2"):
            time.sleep(8)  # a card that hangs mid-exchange
        return answers(command)

    card_slot(mute_at_records)
    reader = PcscReader(READER, read_timeout=1.5)
    assert reader.wait_for_card(10)
    started = time.monotonic()
    with pytest.raises(ReaderTimeout):
        reader.read_identity()
    assert time.monotonic() - started < 5
    started = time.monotonic()
    assert reader.status().state is DeviceState.ONLINE
    assert time.monotonic() - started < 2  # status() is not stuck behind the hung exchange
    reader.close()
