"""The SAM backend through pyserial on a real pty, against the simulator, with every fault."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.identity import DocumentType, ProblemCode
from drivers.cardreader.errors import CardLifted, NoCard, ReaderProtocolError, ReaderTimeout, ReaderUnavailable
from drivers.cardreader.factory import open_card_reader
from drivers.cardreader.sam import SamReader
from drivers.cardreader.simulator import SAMPLE_CARDS, Faults, SamSimulator
from drivers.status import DeviceState
from tests.drivers.simline import PtyModule


@pytest.fixture
def module(tmp_path: Path) -> Iterator[PtyModule]:
    line = PtyModule(SamSimulator(SAMPLE_CARDS["zhang"], Faults()), tmp_path / "ttyIDR")
    line.plug()
    yield line
    if line.link.exists():
        line.unplug()


@pytest.fixture
def reader(module: PtyModule) -> Iterator[SamReader]:
    opened = open_card_reader(module.url)
    assert isinstance(opened, SamReader)
    opened.open()
    yield opened
    opened.close()


def test_reads_an_identity_over_the_serial_line(reader: SamReader) -> None:
    assert reader.wait_for_card(2)
    identity = reader.read_identity()
    assert identity.document_type is DocumentType.RESIDENT_ID
    assert identity.name == "张三丰"
    assert identity.id_number == "370303198505120012"
    assert len(identity.photo) == 1024


def test_a_card_is_read_once_until_it_is_lifted_and_placed_again(reader: SamReader, module: PtyModule) -> None:
    reader.read_identity()
    assert not reader.wait_for_card(0.5)  # still on the reader, already read: the citizen lifts it
    module.simulator.lift()
    module.simulator.place(SAMPLE_CARDS["li"])
    assert reader.read_identity().name == "李秀英"


def test_no_card(reader: SamReader, module: PtyModule) -> None:
    module.simulator.lift()
    assert reader.wait_for_card(0.7) is False
    with pytest.raises(NoCard):
        reader.read_identity()


@pytest.mark.parametrize("fault", ["lift_after_find", "lift_during_read"])
def test_a_card_lifted_mid_read(reader: SamReader, module: PtyModule, fault: str) -> None:
    setattr(module.simulator.faults, fault, True)
    with pytest.raises(CardLifted):
        reader.read_identity()
    module.simulator.faults = Faults()
    module.simulator.place(SAMPLE_CARDS["zhang"])
    assert reader.read_identity().name == "张三丰"  # the reader recovers at once


def test_one_damaged_response_is_retried(reader: SamReader, module: PtyModule) -> None:
    module.simulator.faults.corrupt_next = 1
    assert reader.read_identity().name == "张三丰"


def test_a_line_that_keeps_damaging_frames_is_a_protocol_error(reader: SamReader, module: PtyModule) -> None:
    module.simulator.faults.corrupt_next = 10
    with pytest.raises(ReaderProtocolError):
        reader.read_identity()


@pytest.mark.parametrize("fault", ["garbage", "chunked"])
def test_noise_and_partial_reads_are_absorbed(reader: SamReader, module: PtyModule, fault: str) -> None:
    setattr(module.simulator.faults, fault, True)
    assert reader.read_identity().id_number == "370303198505120012"


def test_a_slow_reader_within_the_timeout_works(reader: SamReader, module: PtyModule) -> None:
    module.simulator.faults.delay = 0.3
    assert reader.read_identity().name == "张三丰"


@pytest.mark.parametrize("faults", [Faults(silent=True), Faults(delay=1.6)])
def test_a_hung_or_too_slow_reader_times_out(reader: SamReader, module: PtyModule, faults: Faults) -> None:
    module.simulator.faults = faults
    with pytest.raises(ReaderTimeout):
        reader.read_identity()


def test_status_of_a_healthy_and_a_failed_sam(reader: SamReader, module: PtyModule) -> None:
    assert reader.status().state is DeviceState.ONLINE
    module.simulator.faults.sam_fault = True
    snapshot = reader.status()
    assert snapshot.state is DeviceState.HARDWARE_ERROR
    assert snapshot.error is not None
    assert snapshot.error.action.value == "maintenance"


def test_unplugged_and_plugged_back_in(reader: SamReader, module: PtyModule) -> None:
    assert reader.read_identity().name == "张三丰"
    module.unplug()
    with pytest.raises(ReaderUnavailable):
        reader.read_identity()
    assert reader.status().state is DeviceState.NO_DEVICE
    module.simulator.place(SAMPLE_CARDS["li"])
    module.plug()
    deadline = time.monotonic() + 10
    while True:  # the reader reopens by itself after its backoff
        try:
            assert reader.read_identity().name == "李秀英"
            break
        except ReaderUnavailable:
            assert time.monotonic() < deadline, "reader did not come back"
            time.sleep(0.1)
    assert reader.status().state is DeviceState.ONLINE


def test_a_missing_port_is_unavailable(tmp_path: Path) -> None:
    reader = open_card_reader(f"serial://{tmp_path}/ttyNONE")
    with pytest.raises(ReaderUnavailable, match="does not exist"):
        reader.open()


def test_problems_travel_with_the_identity(reader: SamReader, module: PtyModule) -> None:
    module.simulator.place(SAMPLE_CARDS["expired"])
    assert reader.read_identity().has(ProblemCode.EXPIRED)
    module.simulator.place(SAMPLE_CARDS["bad-check"])
    assert reader.read_identity().has(ProblemCode.BAD_CHECK_DIGIT)


def test_reading_logs_nothing_personal(reader: SamReader, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reader.read_identity()
    text = caplog.text
    assert "card read: resident_id token" in text
    for secret in ("张三丰", "370303198505120012", "山东省淄博市"):
        assert secret not in text
