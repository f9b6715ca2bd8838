"""Card reader backend for SAM modules on a serial line (GA 467 protocol; see frames.py).

Every exchange sends one command and waits for one response frame. A vanished device closes
the transport; the next call reopens it, with exponential backoff so a reader that stays
unplugged costs nothing and one plugged back in is found again without restarting the app.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date

from domain.identity import LOG_SALT, Identity
from drivers.cardreader import frames
from drivers.cardreader.cardtext import TEXT_BYTES, parse_text
from drivers.cardreader.errors import (
    CardDataError,
    CardLifted,
    NoCard,
    ReaderProtocolError,
    ReaderTimeout,
    ReaderUnavailable,
)
from drivers.cardreader.transport import Transport
from drivers.status import CardMedia, ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot

log = logging.getLogger(__name__)
DEVICE = "card_reader"
FIND_INTERVAL = 0.3  # vendors advise polling for a card no faster than every 300 ms
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 5.0


class SamReader:
    """An ID card reader speaking the SAM protocol over a Transport."""

    def __init__(
        self,
        connect: Callable[[], Transport],
        describe: str,
        response_timeout: float = 2.0,
        today: Callable[[], date] = date.today,
    ) -> None:
        """Use ``connect`` to (re)open the line; ``describe`` names it in messages."""
        self.connect, self.describe = connect, describe
        self.response_timeout, self.today = response_timeout, today
        self._transport: Transport | None = None
        self._backoff = BACKOFF_FIRST
        self._retry_at = 0.0
        self._media = CardMedia.UNKNOWN
        self._lock = threading.RLock()  # the poller's status() and the kiosk's read share one line

    # -- connection ---------------------------------------------------------------------
    def open(self) -> None:
        """Open the line now (or raise ReaderUnavailable)."""
        self._ensure_open(force=True)

    def close(self) -> None:
        """Close the line."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _ensure_open(self, force: bool = False) -> Transport:
        """Return the open transport, reopening with backoff after a failure."""
        if self._transport is not None:
            return self._transport
        now = time.monotonic()
        if not force and now < self._retry_at:
            raise ReaderUnavailable(f"{self.describe}: reconnecting in {self._retry_at - now:.1f} s")
        try:
            self._transport = self.connect()
        except ReaderUnavailable:
            self._retry_at = now + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
            raise
        self._backoff, self._retry_at = BACKOFF_FIRST, 0.0
        log.info("card reader %s open", self.describe)
        return self._transport

    def _drop(self) -> None:
        """Forget a broken transport so the next call reopens it."""
        self.close()
        self._retry_at = time.monotonic() + self._backoff

    # -- exchanges ----------------------------------------------------------------------
    def exchange(self, code: tuple[int, int], data: bytes = b"", timeout: float | None = None) -> frames.Response:
        """Send one command and return its response; retry once after a damaged frame."""
        with self._lock:
            return self._exchange(code, data, timeout)

    def _exchange(self, code: tuple[int, int], data: bytes, timeout: float | None) -> frames.Response:
        """Exchange under the lock."""
        for attempt in (1, 2):
            transport = self._ensure_open()
            try:
                transport.write(frames.command(code, data))
                return frames.parse_response(self._receive(transport, timeout or self.response_timeout))
            except frames.FrameError as exc:
                log.warning("card reader %s: %s (attempt %d)", self.describe, exc, attempt)
                if attempt == 2:
                    raise ReaderProtocolError(f"{self.describe}: {exc}") from None
            except ReaderUnavailable:
                self._drop()
                raise
        raise AssertionError("unreachable")

    def _receive(self, transport: Transport, timeout: float) -> bytes:
        """Read until one frame payload arrives; noise before it is skipped."""
        decoder = frames.Decoder()
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            for item in decoder.feed(transport.read(4096, min(remaining, 0.05))):
                if isinstance(item, frames.FrameError):
                    raise item
                return item
        raise ReaderTimeout(f"{self.describe}: no answer within {timeout:.1f} s")

    # -- the port -------------------------------------------------------------------------
    def find(self) -> bool:
        """Return whether a card is on the reader (and not yet read since it was placed)."""
        sw3 = self.exchange(frames.FIND).sw3
        if sw3 == frames.Sw3.CARD_FOUND:
            self._media = CardMedia.PRESENT
            return True
        if sw3 == frames.Sw3.FIND_FAILED:
            self._media = CardMedia.NOT_PRESENT
            return False
        raise ReaderProtocolError(f"{self.describe}: find card answered {sw3:#04x}")

    def wait_for_card(self, timeout: float) -> bool:
        """Poll for a card until one is found or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            if self.find():
                return True
            if time.monotonic() + FIND_INTERVAL > deadline:
                return False
            time.sleep(FIND_INTERVAL)

    def read_identity(self) -> Identity:
        """Find, select and read the card on the reader (one uninterrupted sequence on the line)."""
        with self._lock:
            return self._read_identity()

    def _read_identity(self) -> Identity:
        """Read under the lock."""
        if not self.find():
            raise NoCard("no card on the reader")
        if self.exchange(frames.SELECT).sw3 != frames.Sw3.SUCCESS:
            raise CardLifted("the card left the reader before it was selected")
        result = self.exchange(frames.READ_TEXT_PHOTO, timeout=self.response_timeout + 3)
        if result.sw3 == frames.Sw3.READ_FAILED:
            raise CardLifted("the card left the reader while it was read")
        if result.sw3 != frames.Sw3.SUCCESS:
            raise ReaderProtocolError(f"{self.describe}: read answered {result.sw3:#04x}")
        identity = _identity(result.data, self.today())
        log.info("card read: %s token %s", identity.document_type.value, identity.log_token(LOG_SALT))
        return identity

    def status(self) -> Snapshot:
        """Ask the SAM module for its status."""
        try:
            sw3 = self.exchange(frames.SAM_STATUS).sw3
        except ReaderTimeout as exc:
            return Snapshot(DEVICE, DeviceState.OFFLINE, error=_fault("no_answer", str(exc)),
                            detail={"url": self.describe})
        except ReaderUnavailable as exc:
            return Snapshot(DEVICE, DeviceState.NO_DEVICE, error=_fault("unavailable", str(exc)),
                            detail={"url": self.describe})
        if sw3 == frames.Sw3.SUCCESS:
            media = {"card": self._media.value}
            return Snapshot(DEVICE, DeviceState.ONLINE, media=media, detail={"url": self.describe})
        error = DeviceError(ErrorKind.HARDWARE, ClearAction.MAINTENANCE, f"sam_{sw3:02x}",
                            f"SAM module reports {sw3:#04x} (self-test failed or not authorised)")
        return Snapshot(DEVICE, DeviceState.HARDWARE_ERROR, error=error, detail={"url": self.describe})


def _fault(code: str, message: str) -> DeviceError:
    """Build the error of an unreachable reader."""
    return DeviceError(ErrorKind.HARDWARE, ClearAction.RESET, code, message)


def _identity(data: bytes, today: date) -> Identity:
    """Split read data into the text and photo blocks and parse the text."""
    if len(data) < 4:
        raise CardDataError(f"read data too short ({len(data)} bytes)")
    text_length, photo_length = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    text, photo = data[4 : 4 + text_length], data[4 + text_length : 4 + text_length + photo_length]
    if text_length != TEXT_BYTES or len(text) != text_length or len(photo) != photo_length:
        raise CardDataError(f"read data has text {len(text)}/{text_length} and photo {len(photo)}/{photo_length}")
    try:
        return parse_text(text, photo, today)
    except ValueError as exc:  # a defence: data a parser did not foresee is a data error, not a crash
        raise CardDataError(f"card text could not be parsed: {type(exc).__name__}") from None
