"""The `pcsc://[reader name]` card reader: bank IC cards through PC/SC, as bank-card holder identities."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from drivers.cardreader.errors import CardDataError, ReaderUnavailable
from drivers.cardreader.identity import LOG_SALT, DocumentType, Identity
from drivers.cardreader.pcsc import apdu, scard, tlv
from drivers.cardreader.pcsc.emv import BankCard, BankCardError, read_bank_card
from drivers.status import CardMedia, ClearAction, DeviceError, DeviceState, ErrorKind, Snapshot

log = logging.getLogger(__name__)
DEVICE = "card_reader"


class PcscReader:
    """A PC/SC reader chosen by name prefix (the first reader when empty)."""

    def __init__(self, match: str = "", today: Callable[[], date] = date.today) -> None:
        """Use the first reader whose name starts with ``match``."""
        self.match, self.today = match, today
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
        """Read the holder data of the bank card in the reader."""
        reader = self._reader()
        handle, protocol = scard.connect(self._context, reader)
        try:
            card = read_bank_card(lambda command: scard.transmit(handle, protocol, command), self.today())
        except (BankCardError, tlv.TlvError, apdu.ApduError) as exc:
            raise CardDataError(f"not a readable bank card: {exc}") from None
        finally:
            scard.disconnect(handle)
        identity = holder_identity(card)
        log.info("bank card read: %s token %s", card.aid, identity.log_token(LOG_SALT))
        return identity


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
