"""An ESC/POS printer emulator: interprets the byte stream into a transcript and answers DLE EOT.

It understands the commands this project sends (and skips the common others by their
length): text in and out of Chinese mode (GB18030), alignment, emphasis, character sizes,
QR codes (GS ( k), raster images (GS v 0), feeds and cuts. Its paper and cover state are
switches, and it can stay silent like a printer that is off.
"""

from __future__ import annotations

import os
import select
import socket
import threading
from contextlib import suppress
from dataclasses import dataclass, field

from PIL import Image

from drivers.printer.preview import Item
from drivers.status import PaperState

ESC_ONE_ARG = set(b"a!E-d3tMJG")  # ESC commands followed by one parameter byte
FIXED = 0x12


@dataclass
class PrinterState:
    """What the emulated printer reports."""

    paper: PaperState = PaperState.FULL
    cover_open: bool = False
    silent: bool = False
    run_out_at_cut: bool = False  # fault: the roll ends during the job


class Interpreter:
    """Feeds bytes in, keeps a transcript, returns status answers."""

    def __init__(self, state: PrinterState) -> None:
        """Start with an empty transcript."""
        self.state = state
        self.items: list[Item] = []
        self.buffer = bytearray()
        self.line = bytearray()
        self.line_chinese = False
        self.qr = b""
        self._reset_modes()

    def _reset_modes(self) -> None:
        """Return to power-on modes (ESC @); the transcript stays."""
        self.chinese = False
        self.align, self.bold, self.size, self.chinese_size = 0, False, (1, 1), (1, 1)

    # -- status ---------------------------------------------------------------------------
    def status(self, n: int) -> bytes:
        """Answer DLE EOT n from the state."""
        out_of_paper = self.state.paper is PaperState.OUT
        low = self.state.paper in {PaperState.LOW, PaperState.OUT}
        value = {
            1: FIXED | (0x08 if out_of_paper or self.state.cover_open else 0),
            2: FIXED | (0x04 if self.state.cover_open else 0) | (0x20 if out_of_paper else 0),
            3: FIXED,
            4: FIXED | (0x0C if low else 0) | (0x60 if out_of_paper else 0),
        }.get(n, FIXED)
        return bytes([value])

    # -- parsing ----------------------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Consume bytes; return what the printer sends back."""
        self.buffer += data
        replies = bytearray()
        while self.buffer:
            used = self._step(replies)
            if used == 0:
                break  # an incomplete command: wait for more bytes
            del self.buffer[:used]
        return bytes(replies)

    def _step(self, replies: bytearray) -> int:  # noqa: PLR0911 - one return per kind of byte
        """Interpret the command at the start of the buffer; return the bytes it used (0: incomplete)."""
        b = self.buffer
        lead = b[0]
        if lead == 0x0A:
            self._end_line()
            return 1
        if lead == 0x10:  # DLE EOT n
            if len(b) < 3:
                return 0
            if b[1] == 0x04 and not self.state.silent:
                replies += self.status(b[2])
            return 3
        if lead == 0x1B:
            return self._esc()
        if lead == 0x1D:
            return self._gs()
        if lead == 0x1C:
            return self._fs()
        if lead >= 0x20 or lead == 0x09:
            self.line.append(lead)
            self.line_chinese = self.line_chinese or self.chinese
        return 1

    def _esc(self) -> int:
        """Handle ESC sequences."""
        b = self.buffer
        if len(b) < 2:
            return 0
        if b[1] == ord("@"):
            self._reset_modes()
            return 2
        if b[1] not in ESC_ONE_ARG:
            return 2
        if len(b) < 3:
            return 0
        command, value = chr(b[1]), b[2]
        if command == "a":
            self.align = value % 3
        elif command == "E":
            self.bold = bool(value & 1)
        elif command == "!":
            self.size = (2 if value & 0x20 else 1, 2 if value & 0x10 else 1)
        elif command == "d":
            self.items += [Item("text", "")] * value
        return 3

    def _gs(self) -> int:  # noqa: PLR0911 - one return per command
        """Handle GS sequences."""
        b = self.buffer
        if len(b) < 2:
            return 0
        command = chr(b[1])
        if command == "!":
            if len(b) < 3:
                return 0
            self.size = ((b[2] >> 4) + 1, (b[2] & 0x0F) + 1)
            return 3
        if command == "V":
            if len(b) < 3:
                return 0
            self._end_line(force=False)
            self.items.append(Item("cut"))
            if self.state.run_out_at_cut:
                self.state.paper = PaperState.OUT
            return 4 if b[2] in (65, 66) else 3
        if command == "(" and len(b) >= 5 and b[2] == ord("k"):
            length = b[3] | b[4] << 8
            if len(b) < 5 + length:
                return 0
            self._qr(bytes(b[5 : 5 + length]))
            return 5 + length
        if command == "v" and len(b) >= 8 and b[2] == ord("0"):
            columns, rows = b[4] | b[5] << 8, b[6] | b[7] << 8
            if len(b) < 8 + columns * rows:
                return 0
            self._image(bytes(b[8 : 8 + columns * rows]), columns, rows)
            return 8 + columns * rows
        return 0 if command in "(v" and len(b) < 8 else 2

    def _fs(self) -> int:
        """Handle FS sequences (Chinese mode)."""
        b = self.buffer
        if len(b) < 2:
            return 0
        if b[1] == ord("&"):
            self.chinese = True
            return 2
        if b[1] == ord("."):
            self.chinese = False
            return 2
        if b[1] in (ord("!"), ord("C")):
            if len(b) < 3:
                return 0
            if b[1] == ord("!"):
                self.chinese_size = (2 if b[2] & 0x04 else 1, 2 if b[2] & 0x08 else 1)
            return 3
        return 2

    # -- transcript -------------------------------------------------------------------------
    def _end_line(self, force: bool = True) -> None:
        """Close the current text line into the transcript."""
        if not self.line and not force:
            return
        raw = bytes(self.line)
        # Outside Chinese mode a printer prints its code page: GB18030 bytes come out as mojibake.
        text = raw.decode("gb18030" if self.line_chinese else "latin-1", errors="replace")
        self.line_chinese = False
        self.items.append(Item("text", text, align=self.align, scale=self.size, bold=self.bold))
        self.line.clear()

    def _qr(self, body: bytes) -> None:
        """Handle a GS ( k function: remember stored data, print it on fn 81."""
        if len(body) >= 3 and body[0] == 0x31 and body[1] == 0x50:  # cn 49, fn 80: store data
            self.qr = body[3:]
        elif len(body) >= 2 and body[0] == 0x31 and body[1] == 0x51:  # fn 81: print the symbol
            self.items.append(Item("qr", self.qr.decode("utf-8", "replace"), align=self.align))

    def _image(self, data: bytes, columns: int, rows: int) -> None:
        """Turn a raster bit image into an image item."""
        image = Image.frombytes("1", (columns * 8, rows), data)
        self.items.append(Item("image", align=self.align, image=Image.eval(image, lambda v: 255 - v).convert("1")))

    @property
    def texts(self) -> list[str]:
        """Return the printed text lines (non-empty), in order."""
        return [i.text for i in self.items if i.kind == "text" and i.text]


@dataclass
class EmulatorServer:
    """An emulated network printer on a loopback port (9100-style raw TCP)."""

    state: PrinterState = field(default_factory=PrinterState)
    host: str = "127.0.0.1"
    port: int = 0
    jobs: list[Interpreter] = field(default_factory=list)

    def start(self) -> int:
        """Listen and serve connections in a thread; return the port."""
        self._connections: list[socket.socket] = []
        self._server = socket.create_server((self.host, self.port))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, name="escpos-emulator", daemon=True).start()
        return self.port

    def stop(self) -> None:
        """Power off: stop listening and drop every connection."""
        self._stop.set()
        with suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self._server.close()
        for connection in self._connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self) -> None:
        """Accept connections until stopped."""
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        """Interpret one connection's bytes."""
        interpreter = Interpreter(self.state)
        self.jobs.append(interpreter)
        self._connections.append(connection)
        with connection:
            while True:
                try:
                    data = connection.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                reply = interpreter.feed(data)
                if reply:
                    connection.sendall(reply)

    @property
    def items(self) -> list[Item]:
        """Return everything printed so far, over all connections."""
        return [item for job in self.jobs for item in job.items]


def serve_fd(interpreter: Interpreter, fd: int, stop: threading.Event) -> None:
    """Interpret bytes from a file descriptor (a pty master: a serial printer) until stopped."""
    while not stop.is_set():
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        reply = interpreter.feed(data)
        if reply:
            os.write(fd, reply)
