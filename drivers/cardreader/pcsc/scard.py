"""A thin, typed layer over pyscard's PC/SC calls that turns result codes into our errors."""

from __future__ import annotations

from typing import Any

from smartcard import scard

from drivers.cardreader.errors import CardLifted, NoCard, ReaderProtocolError, ReaderUnavailable

# pcscd went away or restarted: the context must be established again.
SERVICE_GONE = frozenset({
    scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_F_COMM_ERROR,
})
READER_GONE = frozenset({
    scard.SCARD_E_NO_READERS_AVAILABLE, scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_UNKNOWN_READER,
})
CARD_GONE = frozenset({
    scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD,
    scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_E_NOT_TRANSACTED,  # the exchange broke off: a card pulled out mid-command
})
PNP = "\\\\?PnP?\\Notification"


def message(result: int) -> str:
    """Return PC/SC's text for a result code."""
    return f"{scard.SCardGetErrorMessage(result)} ({result & 0xFFFFFFFF:#010x})"


def raise_for(result: int, action: str) -> None:
    """Raise the typed error for a failed PC/SC call."""
    if result == scard.SCARD_S_SUCCESS:
        return
    if result in SERVICE_GONE or result in READER_GONE:
        raise ReaderUnavailable(f"{action}: {message(result)}")
    if result in CARD_GONE:
        if action.startswith("connect"):
            raise NoCard(f"{action}: {message(result)}")
        raise CardLifted(f"{action}: {message(result)}")
    raise ReaderProtocolError(f"{action}: {message(result)}")


def establish() -> Any:
    """Establish a PC/SC context."""
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    raise_for(result, "establish context")
    return context


def release(context: Any) -> None:
    """Release a context, ignoring a service that is already gone."""
    scard.SCardReleaseContext(context)


def list_readers(context: Any) -> list[str]:
    """Return the reader names (empty when there are none)."""
    result, readers = scard.SCardListReaders(context, [])
    if result in (scard.SCARD_E_NO_READERS_AVAILABLE,):
        return []
    raise_for(result, "list readers")
    return list(readers)


def status_change(context: Any, timeout_ms: int, states: list[tuple[str, int]]) -> list[tuple[str, int, bytes]] | None:
    """Wait for a change of ``states``; None on timeout."""
    result, changed = scard.SCardGetStatusChange(context, timeout_ms, states)
    if result == scard.SCARD_E_TIMEOUT:
        return None
    raise_for(result, "watch readers")
    return [(name, event, bytes(atr)) for name, event, atr in changed]


def connect(context: Any, reader: str) -> tuple[Any, int]:
    """Connect to the card in ``reader`` with T=0 or T=1; return (handle, protocol)."""
    result, handle, protocol = scard.SCardConnect(
        context, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
    )
    raise_for(result, f"connect to {reader}")
    return handle, protocol


def transmit(handle: Any, protocol: int, apdu: bytes) -> bytes:
    """Send one APDU; return the response with SW1 SW2."""
    result, response = scard.SCardTransmit(handle, protocol, list(apdu))
    raise_for(result, "transmit")
    if not response:  # the line to the card broke mid-exchange (vpcd reports it this way)
        raise CardLifted("transmit: the card stopped answering")
    return bytes(response)


def disconnect(handle: Any) -> None:
    """Leave the card powered for the next reader of it."""
    scard.SCardDisconnect(handle, scard.SCARD_LEAVE_CARD)


PRESENT = scard.SCARD_STATE_PRESENT
CHANGED = scard.SCARD_STATE_CHANGED
UNAVAILABLE = scard.SCARD_STATE_UNAVAILABLE
UNAWARE = scard.SCARD_STATE_UNAWARE
