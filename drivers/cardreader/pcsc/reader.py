"""The `pcsc://[reader name]` card reader: bank IC cards through PC/SC, as bank-card holder identities."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from domain.identity import LOG_SALT, DocumentType, Identity
from drivers.cardreader.errors import CardDataError, ReaderTimeout, ReaderUnavailable
from drivers.cardreader.pcsc import apdu, scard, techcard, tlv
from drivers.cardreader.pcsc.emv import BankCard, BankCardError, read_bank_card
from drivers.status import CardMedia, ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot

log = logging.getLogger(__name__)
DEVICE = "card_reader"
T = TypeVar("T")


class PcscReader:
    """A PC/SC reader chosen by name prefix (the first reader when empty)."""

    def __init__(self, match: str = "", today: Callable[[], date] = date.today, read_timeout: float = 15.0) -> None:
        """Use the first reader whose name starts with ``match``; a read may take ``read_timeout`` seconds."""
        self.match, self.today, self.read_timeout = match, today, read_timeout
        self.describe = f"pcsc://{match}"
        self._context: Any = None

    def open(self) -> None:
        """Connect to pcscd and check the reader is there."""
        self._reader()

    def close(self) -> None:
        """Release the PC/SC context."""
        if self._context is not None:
            scard.release(self._context)
            self._context = None

    def _reader(self) -> str:
        """Return the reader's full name, re-establishing the context if pcscd restarted."""
        for attempt in (1, 2):
            if self._context is None:
                self._context = scard.establish()
            try:
                names = [r for r in scard.list_readers(self._context) if r.startswith(self.match)]
            except ReaderUnavailable:
                self.close()
                if attempt == 2:
                    raise
                continue
            if not names:
                raise ReaderUnavailable(f"no PC/SC reader named '{self.match}*' (is it plugged in?)")
            return names[0]
        raise AssertionError("unreachable")

    def status(self) -> Snapshot:
        """Report whether the reader is there and holds a card."""
        try:
            reader = self._reader()
            changed = scard.status_change(self._context, 0, [(reader, scard.UNAWARE)])
        except ReaderUnavailable as exc:
            self.close()
            error = DeviceError(ErrorKind.HARDWARE, ClearAction.RESET, "unavailable", str(exc))
            return Snapshot(DEVICE, DeviceState.OFFLINE, error=error, detail={"url": self.describe})
        present = bool(changed and changed[0][1] & scard.PRESENT)
        media = CardMedia.PRESENT if present else CardMedia.NOT_PRESENT
        return Snapshot(DEVICE, DeviceState.ONLINE, media={"card": media.value}, detail={"url": self.describe,
                                                                                          "reader": reader})

    def wait_for_card(self, timeout: float) -> bool:
        """Wait until a card is in the reader or ``timeout`` seconds pass."""
        reader = self._reader()
        deadline = time.monotonic() + timeout
        state = scard.UNAWARE
        while True:
            remaining = int(max(deadline - time.monotonic(), 0) * 1000)
            changed = scard.status_change(self._context, min(remaining, 500), [(reader, state)])
            if changed is not None:
                state = changed[0][1] & ~scard.CHANGED
                if state & scard.PRESENT:
                    return True
            if time.monotonic() >= deadline:
                return False

    def read_identity(self) -> Identity:
        """Read the holder data of the bank card in the reader, within ``read_timeout`` seconds."""
        card = self._on_card(lambda transmit: read_bank_card(transmit, self.today()))
        identity = holder_identity(card)
        log.info("bank card read: %s token %s", card.aid, identity.log_token(LOG_SALT))
        return identity


    def technician_proof(self, pin: str, challenge: bytes) -> tuple[bytes, bytes]:
        """Return the technician card's certificate and its signature over ``challenge`` (techcard's errors)."""
        return self._on_card(lambda transmit: techcard.prove(transmit, pin, challenge))

    def _on_card(self, work: Callable[[apdu.Transmit], T]) -> T:
        """Run ``work`` on the card in the reader, within ``read_timeout`` seconds (ReaderTimeout otherwise).

        PC/SC has no timeout for a card that stops answering, so the exchange runs in its own thread
        with its own context: the caller gets ReaderTimeout in time, and status() — on another
        context — keeps answering while the hung exchange is left to die.
        """
        reader = self._reader()
        outcome: list[T | BaseException] = []
        worker = threading.Thread(target=self._exchange, args=(reader, work, outcome), name="pcsc-read", daemon=True)
        worker.start()
        worker.join(self.read_timeout)
        if not outcome:
            raise ReaderTimeout(f"{self.describe}: the card did not answer within {self.read_timeout:g} s")
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    @staticmethod
    def _exchange(reader: str, work: Callable[[apdu.Transmit], T], outcome: list[T | BaseException]) -> None:
        """Run ``work`` on one card on a private context (in a worker thread)."""
        try:
            context = scard.establish()
            try:
                handle, protocol = scard.connect(context, reader)
                try:
                    outcome.append(work(lambda c: scard.transmit(handle, protocol, c)))
                finally:
                    scard.disconnect(handle)
            finally:
                scard.release(context)
        except (BankCardError, tlv.TlvError, apdu.ApduError, ValueError) as exc:
            outcome.append(CardDataError(f"not a readable card: {type(exc).__name__}: {exc}"))
        except BaseException as exc:
            outcome.append(exc)


def holder_identity(card: BankCard) -> Identity:
    """Report a bank card as a bank-card holder identity: not an identity document."""
    if not card.masked_pan:
        raise CardDataError("the card has no card number: not a bank card")
    extra = {"card_number": card.masked_pan, "aid": card.aid}
    if card.id_type:
        extra["id_type"] = card.id_type
    if card.expiry:
        extra["card_expiry"] = card.expiry.isoformat()
    resident_number = card.id_number if card.id_type == "居民身份证" else ""
    return Identity(DocumentType.BANK_CARD_HOLDER, name=card.holder_name, id_number=resident_number, extra=extra)
