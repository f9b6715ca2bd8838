"""A SAM module simulator: the module's side of the protocol, with fault switches.

It answers real frames over a real byte stream (a pty for hand tests and serial tests, a
socket pair for the in-process `sim://` reader), so the whole reader stack runs against it.
Sample cards carry illustrative people; the numbers have valid check digits.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from drivers.cardreader import frames

PHOTO_BYTES = 1024


def _field(value: str, size: int) -> bytes:
    """Encode ``value`` as UCS-2LE, padded with spaces to ``size`` bytes."""
    raw = value.encode("utf-16-le")[:size]
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)


RESIDENT_LAYOUT = (("name", 30), ("gender", 2), ("nation", 4), ("birth", 16), ("address", 70), ("number", 36),
                   ("authority", 30), ("from", 16), ("until", 16), ("pass_number", 18), ("issue_count", 4),
                   ("", 6), ("card_type", 2), ("", 6))
FOREIGN_2017_LAYOUT = (("english_name", 120), ("gender", 2), ("number", 30), ("nationality", 6), ("name", 30),
                       ("from", 16), ("until", 16), ("birth", 16), ("version", 4), ("authority", 8),
                       ("card_type", 2), ("", 6))
FOREIGN_2023_LAYOUT = (("name", 30), ("gender", 2), ("renewals", 4), ("birth", 16), ("english_name", 70),
                       ("number", 36), ("", 30), ("from", 16), ("until", 16), ("english_name_more", 22),
                       ("nationality", 6), ("card_type", 2), ("earlier_number", 6))


def text_block(layout: tuple[tuple[str, int], ...], fields: dict[str, str]) -> bytes:
    """Lay out a card's 256-byte text block: each field UCS-2LE, space-padded to its size."""
    return b"".join(_field(fields.get(key, ""), size) for key, size in layout)


def resident_text(fields: dict[str, str], card_type: str = "") -> bytes:
    """Lay out a resident card's (or, with card_type 'J', a permit's) 256-byte text block."""
    return text_block(RESIDENT_LAYOUT, {**fields, "card_type": card_type})


@dataclass
class SimCard:
    """A card the simulator can hold."""

    label: str
    text: bytes
    photo: bytes = b"\x57\x4c" + bytes(PHOTO_BYTES - 2)  # opaque, like the card's compressed photo


def _card(label: str, values: str, card_type: str = "", **extra: str) -> SimCard:
    """Build a sample card from '|'-separated field values in layout order."""
    keys = ("name", "gender", "nation", "birth", "address", "number", "authority", "from", "until")
    return SimCard(label, resident_text({**dict(zip(keys, values.split("|"), strict=True)), **extra}, card_type))


SAMPLE_CARDS: dict[str, SimCard] = {
    card.label: card
    for card in (
        _card("zhang", "张三丰|1|01|19850512|山东省淄博市张店区示例路8号|370303198505120012|"
                       "淄博市公安局张店分局|20200101|20400101"),
        _card("li", "李秀英|2|03|19520308|山东省聊城市东昌府区柳园街道示例路1号|371502195203080029|"
                    "聊城市公安局东昌府分局|20120601|长期"),
        _card("expired", "王小明|1|01|19900101|山东省聊城市东昌府区示例路2号|371502199001010012|聊城市公安局东昌府分局|"
                         "20100101|20200101"),
        _card("bad-check", "赵错位|1|01|19900101|山东省聊城市示例路3号|371502199001010014|聊城市公安局东昌府分局|"
                           "20200101|20400101"),
        _card("permit", "陈大文|1||19800202|山东省青岛市市南区示例路5号|810000198002020011|青岛市公安局|"
                        "20190101|20290101", "J", pass_number="H60000001", issue_count="01"),  # noqa: S106 - a pass number, not a password
        SimCard("foreigner-2017", text_block(FOREIGN_2017_LAYOUT, {
            "english_name": "SMITH, JOHN ALEXANDER", "gender": "1", "number": "CAN370087011502", "nationality": "CAN",
            "name": "史约翰", "from": "20180301", "until": "20280301", "birth": "19870115", "version": "01",
            "authority": "3700", "card_type": "I"})),
        SimCard("foreigner-2023", text_block(FOREIGN_2023_LAYOUT, {
            "name": "", "gender": "2", "renewals": "00", "birth": "19900720",
            "english_name": "MUELLER-LUEDENSCHEIDT, ANNA MARIA T", "english_name_more": "HEODORA",
            "number": "915637199007200124", "from": "20240315", "until": "20340315", "nationality": "DEU",
            "card_type": "Y"})),
    )
}


@dataclass
class Faults:
    """Switches a test or the demo's virtual card tray can flip at any time."""

    no_card: bool = False  # finding always fails
    lift_after_find: bool = False  # the card leaves between find and select
    lift_during_read: bool = False  # the card leaves while the text is read
    corrupt_next: int = 0  # corrupt the checksum of this many coming responses
    garbage: bool = False  # noise before every response
    delay: float = 0.0  # a slow reader: seconds before each response
    silent: bool = False  # answer nothing (a hung module)
    sam_fault: bool = False  # the SAM self-test fails
    chunked: bool = False  # send responses in small pieces


@dataclass
class SamSimulator:
    """The module: holds at most one card and answers commands."""

    card: SimCard | None = None
    faults: Faults = field(default_factory=Faults)
    read_done: bool = False  # a card is found once; lift and place it to read it again

    def place(self, card: SimCard) -> None:
        """Put a card on the reader."""
        self.card, self.read_done = card, False

    def lift(self) -> None:
        """Take the card away."""
        self.card, self.read_done = None, False

    def answer(self, payload: bytes) -> bytes:
        """Return the response frame to one command payload."""
        handlers = {frames.SAM_STATUS: self._status, frames.FIND: self._find, frames.SELECT: self._select,
                    frames.READ_TEXT_PHOTO: self._read}
        handler = handlers.get((payload[0], payload[1]) if len(payload) >= 2 else (0, 0))
        return handler() if handler else frames.response(frames.Sw3.COMMAND_ERROR)

    def _status(self) -> bytes:
        """Answer the SAM status command."""
        return frames.response(frames.Sw3.SAM_SELF_TEST_FAILED if self.faults.sam_fault else frames.Sw3.SUCCESS)

    def _find(self) -> bytes:
        """Answer the find-card command."""
        if self.card is None or self.read_done or self.faults.no_card:
            return frames.response(frames.Sw3.FIND_FAILED)
        if self.faults.lift_after_find:
            self.lift()
        return frames.response(frames.Sw3.CARD_FOUND, bytes(4))

    def _select(self) -> bytes:
        """Answer the select-card command."""
        if self.card is None:
            return frames.response(frames.Sw3.SELECT_FAILED)
        return frames.response(frames.Sw3.SUCCESS, bytes(8))

    def _read(self) -> bytes:
        """Answer the read command."""
        if self.card is None or self.faults.lift_during_read:
            self.lift()
            return frames.response(frames.Sw3.READ_FAILED)
        self.read_done = True
        card = self.card
        lengths = len(card.text).to_bytes(2, "big") + len(card.photo).to_bytes(2, "big")
        return frames.response(frames.Sw3.SUCCESS, lengths + card.text + card.photo)

    def respond(self, payload: bytes, send: Callable[[bytes], None]) -> None:
        """Answer one command through ``send``, applying the byte-level faults."""
        if self.faults.silent:
            return
        reply = bytearray(self.answer(payload))
        if self.faults.corrupt_next > 0:
            self.faults.corrupt_next -= 1
            reply[-1] ^= 0xFF
        if self.faults.garbage:
            reply[0:0] = b"\x00\x13\xaa\x96\xff"
        if self.faults.delay:
            time.sleep(self.faults.delay)
        if not self.faults.chunked:
            send(bytes(reply))
            return
        for start in range(0, len(reply), 7):
            send(bytes(reply[start : start + 7]))
            time.sleep(0.002)

    def serve(self, receive: Callable[[], bytes], send: Callable[[bytes], None], stop: threading.Event) -> None:
        """Answer commands until ``stop`` is set; ``receive`` returns b"" when nothing came."""
        decoder = frames.Decoder()
        while not stop.is_set():
            for item in decoder.feed(receive()):
                if isinstance(item, bytes):
                    self.respond(item, send)
                else:
                    send(frames.response(frames.Sw3.CHECKSUM_ERROR))


def serve_fd(simulator: SamSimulator, fd: int, stop: threading.Event) -> None:
    """Serve a file descriptor (a pty master) until stopped or hung up."""

    def receive() -> bytes:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            return b""
        try:
            return os.read(fd, 4096)
        except OSError:  # EIO: the other side hung up
            time.sleep(0.05)
            return b""

    def send(data: bytes) -> None:
        with suppress(OSError):
            os.write(fd, data)

    simulator.serve(receive, send, stop)


def serve_socket(simulator: SamSimulator, sock: socket.socket, stop: threading.Event) -> None:
    """Serve one end of a socket pair until stopped or closed."""
    sock.settimeout(0.1)

    def receive() -> bytes:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            return b""
        except OSError:
            stop.set()
            return b""
        if not data:
            stop.set()
        return data

    def send(data: bytes) -> None:
        try:
            sock.sendall(data)
        except OSError:
            stop.set()

    simulator.serve(receive, send, stop)
