"""An ESC/POS receipt printer on any python-escpos transport, with truthful status and reconnects."""

from __future__ import annotations

import logging
import socket
import stat
import threading
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import serial
from escpos.exceptions import Error as EscposError

from domain.receipt import Line
from drivers.printer import status
from drivers.printer.errors import PrinterNotReady, PrintIncomplete
from drivers.printer.job import TextMode, build_job
from drivers.status import DeviceState, PaperState, Snapshot

log = logging.getLogger(__name__)
TRANSPORT_ERRORS = (OSError, EscposError, serial.SerialException, socket.timeout)


class EscposPrinter:
    """A printer reached through ``connect`` (a python-escpos printer object, not yet open)."""

    def __init__(self, connect: Callable[[], Any], describe: str, *, bidirectional: bool,
                 mode: TextMode = TextMode.NATIVE, columns: int = 32, charset: str = "gb18030",
                 timeout: float = 1.0, path: str | None = None, allow_plain_file: bool = False) -> None:
        """Describe the printer; nothing is opened until it is used."""
        self.connect, self.describe, self.bidirectional = connect, describe, bidirectional
        self.mode, self.columns, self.charset, self.timeout = mode, columns, charset, timeout
        self.path, self.allow_plain_file = path, allow_plain_file
        self._device: Any = None
        self._lock = threading.RLock()  # a poller's status() and a print never interleave

    def _open(self) -> Any:
        """Return the open transport, (re)opening it after a power cycle or a re-plugged cable."""
        if self._device is None:
            device = self.connect()
            device.open()
            self._device = device
        return self._device

    def close(self) -> None:
        """Close the transport."""
        if self._device is not None:
            with suppress(*TRANSPORT_ERRORS, AttributeError):  # python-escpos: AttributeError once its socket is gone
                self._device.close()
            self._device = None

    def _query(self, n: int) -> bytes | None:
        """Send DLE EOT n and return its one-byte answer, or None on silence.

        Stale bytes (a late answer to an earlier query) are drained first and exactly one byte
        is read, so answers never drift out of step; after a silence the line is reopened.
        """
        device = self._open()
        line = device.device
        if isinstance(line, socket.socket):
            line.setblocking(False)
            with suppress(BlockingIOError, InterruptedError):
                while line.recv(64):
                    pass
            line.settimeout(self.timeout)
            device._raw(status.DLE_EOT + bytes([n]))
            try:
                answer = line.recv(1)
            except TimeoutError:
                answer = b""
        else:  # a serial line (pyserial)
            line.reset_input_buffer()
            device._raw(status.DLE_EOT + bytes([n]))
            line.timeout = self.timeout
            answer = line.read(1)
        if not answer:
            self.close()
            return None
        return bytes(answer)

    def status(self) -> Snapshot:
        """Ask the printer for its state; a transport that cannot answer reports paper unknown."""
        detail = {"url": self.describe}
        with self._lock:
            if not self.bidirectional:
                return self._device_file_status(detail)
            answers: list[bytes | None] = []
            try:
                for n in (1, 2, 4):
                    answers.append(self._query(n))
                    if answers[-1] is None:
                        break
            except TRANSPORT_ERRORS as exc:
                self.close()
                log.warning("printer %s unreachable: %s", self.describe, exc)
            answers += [None] * (3 - len(answers))
            return status.parse(answers[0], answers[1], answers[2], detail)

    def _device_file_status(self, detail: dict[str, str]) -> Snapshot:
        """A write-only device node: present (paper unknown) or missing; a regular file is no printer."""
        path = Path(self.path or "")
        if not path.exists():
            return Snapshot(status.DEVICE, DeviceState.NO_DEVICE, media={"paper": PaperState.UNKNOWN.value},
                            detail={**detail, "note": f"{path} does not exist"})
        if not stat.S_ISCHR(path.stat().st_mode) and not self.allow_plain_file:
            return Snapshot(status.DEVICE, DeviceState.NO_DEVICE, media={"paper": PaperState.UNKNOWN.value},
                            detail={**detail, "note": f"{path} is not a character device"})
        return Snapshot(status.DEVICE, DeviceState.ONLINE, media={"paper": PaperState.UNKNOWN.value},
                        detail={**detail, "note": "this transport cannot read status"})

    def print_lines(self, lines: list[Line]) -> None:
        """Print a laid-out document: check before, send, check after."""
        with self._lock:
            self._print(lines)

    def _print(self, lines: list[Line]) -> None:
        """Print under the lock."""
        before = self.status()
        if before.state is not DeviceState.ONLINE:
            reason = before.error.code if before.error else before.state.value
            raise PrinterNotReady(f"{self.describe}: not ready ({reason}); nothing was printed")
        job = build_job(lines, self.mode, self.columns, self.charset)
        try:
            self._open()._raw(job)
        except TRANSPORT_ERRORS as exc:
            self.close()
            raise PrintIncomplete(f"{self.describe}: sending failed: {exc}") from None
        after = self.status()
        if self.bidirectional and after.state is not DeviceState.ONLINE:
            reason = after.error.code if after.error else after.state.value
            raise PrintIncomplete(f"{self.describe}: stopped during the job ({reason})")
