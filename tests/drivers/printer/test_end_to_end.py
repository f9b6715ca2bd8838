"""Receipts through real transports into the emulator: network socket, serial pty, file."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from domain.application import MaterialStatus
from domain.receipt import Receipt, Style, layout
from domain.text import Text, width
from drivers.printer.emulator import EmulatorServer, Interpreter, PrinterState, serve_fd
from drivers.printer.errors import PrinterNotReady, PrintIncomplete
from drivers.printer.factory import open_printer
from drivers.printer.job import TextMode
from drivers.status import DeviceState, PaperState
from tests.domain.samples import ITEM, receipt_for


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    server = EmulatorServer()
    server.start()
    yield server
    server.stop()


def sample() -> tuple[object, Receipt]:
    deferrable = next(r for r in ITEM.materials if r.deferrable)
    return receipt_for(ITEM.code, **{deferrable.material.id: MaterialStatus.DEFERRED})


def test_a_receipt_decodes_to_its_chinese_text_and_qr_payload(emulator: EmulatorServer) -> None:
    application, receipt = sample()
    printer = open_printer(f"tcp://127.0.0.1:{emulator.port}")
    printer.print_lines(layout(receipt, "zh", 32))
    printer.close()
    texts = [i.text for i in emulator.items if i.kind == "text" and i.text]
    assert texts[:2] == [receipt.hall_name.zh, "受理回执"]
    assert "受理编号：" in texts
    assert application.number in texts  # type: ignore[attr-defined]
    assert "申请人：张*丰" in texts
    assert "待补材料：" in texts
    assert any("前补" in t for t in texts)  # the deadline of the deferred material
    assert "已收材料：" not in texts  # the kiosk received nothing: the citizen declared what they brought
    assert texts.index("下一步：") < texts.index("扫码查询办理进度：")  # next steps, then how to track progress
    assert any(t.startswith("1. 现在：") for t in texts)
    assert [i.text for i in emulator.items if i.kind == "qr"] == [receipt.query_payload]
    assert [i.kind for i in emulator.items].count("cut") == 1
    number = next(i for i in emulator.items if i.text == application.number)  # type: ignore[attr-defined]
    assert (number.scale, number.bold) == ((1, 2), True)


def test_an_80_mm_receipt_in_english(emulator: EmulatorServer) -> None:
    _, receipt = sample()
    printer = open_printer(f"tcp://127.0.0.1:{emulator.port}", paper_mm=80)
    printer.print_lines(layout(receipt, "en", 48))
    texts = [i.text for i in emulator.items if i.kind == "text" and i.text]
    assert "Acceptance receipt" in texts
    assert all(width(t) <= 48 for t in texts)


def test_long_names_wrap_within_the_paper(emulator: EmulatorServer) -> None:
    _, receipt = sample()
    long_hall = Text("山东省聊城市东昌府区柳园街道办事处便民服务中心二十四小时自助服务区", "x")
    printer = open_printer(f"tcp://127.0.0.1:{emulator.port}")
    printer.print_lines(layout(replace(receipt, hall_name=long_hall), "zh", 32))
    texts = [i for i in emulator.items if i.kind == "text" and i.text]
    assert "".join(i.text for i in texts[:3]).startswith(long_hall.zh)
    for item in texts:
        assert width(item.text) * item.scale[0] <= 32, item.text


@pytest.mark.parametrize(
    ("state", "expected", "paper"),
    [
        (PrinterState(), DeviceState.ONLINE, "full"),
        (PrinterState(paper=PaperState.LOW), DeviceState.ONLINE, "low"),
        (PrinterState(paper=PaperState.OUT), DeviceState.USER_ERROR, "out"),
        (PrinterState(cover_open=True), DeviceState.USER_ERROR, "full"),
        (PrinterState(silent=True), DeviceState.OFFLINE, "unknown"),
    ],
)
def test_status_for_every_state(state: PrinterState, expected: DeviceState, paper: str) -> None:
    server = EmulatorServer(state)
    server.start()
    printer = open_printer(f"tcp://127.0.0.1:{server.port}?timeout=0.3")
    snapshot = printer.status()
    printer.close()
    server.stop()
    assert snapshot.state is expected
    assert snapshot.media["paper"] == paper


def test_paper_out_is_refused_before_anything_prints() -> None:
    server = EmulatorServer(PrinterState(paper=PaperState.OUT))
    server.start()
    printer = open_printer(f"tcp://127.0.0.1:{server.port}")
    with pytest.raises(PrinterNotReady, match="paper_out"):
        printer.print_lines(layout(sample()[1], "zh", 32))
    assert not [i for i in server.items if i.kind != "text" or i.text]
    server.stop()


def test_paper_running_out_during_the_job_is_reported() -> None:
    server = EmulatorServer(PrinterState(run_out_at_cut=True))
    server.start()
    printer = open_printer(f"tcp://127.0.0.1:{server.port}")
    with pytest.raises(PrintIncomplete, match="paper_out"):
        printer.print_lines(layout(sample()[1], "zh", 32))
    server.stop()


def test_a_silent_printer_refuses_the_job_as_offline() -> None:
    server = EmulatorServer(PrinterState(silent=True))
    server.start()
    printer = open_printer(f"tcp://127.0.0.1:{server.port}?timeout=0.3")
    with pytest.raises(PrinterNotReady, match="no_status"):
        printer.print_lines(layout(sample()[1], "zh", 32))
    server.stop()


def test_the_printer_is_found_again_after_a_power_cycle() -> None:
    server = EmulatorServer()
    port = server.start()
    printer = open_printer(f"tcp://127.0.0.1:{port}?timeout=0.3")
    assert printer.status().state is DeviceState.ONLINE
    server.stop()
    assert printer.status().state is DeviceState.OFFLINE
    again = EmulatorServer(port=port)
    again.start()
    assert printer.status().state is DeviceState.ONLINE
    printer.print_lines(layout(sample()[1], "zh", 32))
    assert [i.kind for i in again.items].count("cut") == 1
    again.stop()


def test_a_serial_printer_on_a_pty() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    interpreter, stop = Interpreter(PrinterState()), threading.Event()
    thread = threading.Thread(target=serve_fd, args=(interpreter, master, stop), daemon=True)
    thread.start()
    printer = open_printer(f"serial://{os.ttyname(slave)}?baud=115200", TextMode.NATIVE)
    try:
        assert printer.status().state is DeviceState.ONLINE
        receipt = sample()[1]
        printer.print_lines(layout(receipt, "zh", 32))
    finally:
        printer.close()
        stop.set()
        thread.join(timeout=2)
        os.close(master)
        os.close(slave)
    assert "受理回执" in interpreter.texts
    assert [i.text for i in interpreter.items if i.kind == "qr"] == [receipt.query_payload]


def test_a_missing_or_fake_device_file_is_no_printer(tmp_path: Path) -> None:
    missing = open_printer(f"file://{tmp_path}/lp0")
    assert missing.status().state is DeviceState.NO_DEVICE
    with pytest.raises(PrinterNotReady):
        missing.print_lines(layout(sample()[1], "zh", 32))
    assert not (tmp_path / "lp0").exists()  # never a regular file where the device should be
    (tmp_path / "lp0").touch()
    assert open_printer(f"file://{tmp_path}/lp0").status().state is DeviceState.NO_DEVICE


def test_a_file_printer_writes_the_job_and_never_claims_paper(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.touch()
    printer = open_printer(f"file://{device}?plain=1")
    snapshot = printer.status()
    assert snapshot.state is DeviceState.ONLINE
    assert snapshot.media["paper"] == "unknown"
    receipt = sample()[1]
    printer.print_lines([line for line in layout(receipt, "zh", 32) if line.style is not Style.QR])
    printer.close()
    interpreter = Interpreter(PrinterState())
    interpreter.feed(device.read_bytes())
    assert interpreter.texts[1] == "受理回执"


def test_a_late_status_answer_never_shifts_later_answers() -> None:
    import socket as sockets
    import time as clock

    server = sockets.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def late_then_cover_open() -> None:
        connection, _ = server.accept()
        first = True
        with connection:
            while data := connection.recv(16):
                for i in range(0, len(data) - 2, 3):
                    n = data[i + 2]
                    if first:
                        clock.sleep(0.8)  # answers after the caller gave up
                        first = False
                    connection.sendall(bytes([{1: 0x1A, 2: 0x16, 4: 0x12}.get(n, 0x12)]))

    threading.Thread(target=late_then_cover_open, daemon=True).start()
    printer = open_printer(f"tcp://127.0.0.1:{port}?timeout=0.3")
    assert printer.status().state is DeviceState.OFFLINE
    server.close()
    # reconnects are refused now; what matters is that no stale byte was ever read as an answer
    assert printer.status().state is DeviceState.OFFLINE
