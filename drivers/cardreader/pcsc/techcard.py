"""The technician card's applet over PC/SC: select it, read its certificate, verify its PIN, sign a challenge.

ISO 7816-4 short APDUs: SELECT the applet by ``AID``; GET DATA ``7F21`` returns the certificate
(DER, chained with 61xx); VERIFY (P2 80) the PIN in ASCII digits (63Cx: x tries left, 6983:
blocked); INTERNAL AUTHENTICATE (88) with the challenge returns the DER signature over
protocol/techcard.py's context and the challenge. The PIN is checked by the card (it counts wrong
tries and blocks itself); the terminal never learns or keeps it. What the proof must be is
protocol/techcard.py's to say.
"""

from __future__ import annotations

import re

from drivers.cardreader.pcsc import apdu

AID = bytes.fromhex("F0594354454348")  # proprietary (F0): "YCTECH"
CHALLENGE_BYTES = 32
GET_CERTIFICATE = bytes.fromhex("00CA7F2100")
PIN_FORMAT = re.compile(r"[0-9]{4,12}")
BLOCKED = 0x6983


class TechnicianCardProblem(Exception):
    """The card did not prove itself; subclasses say why."""


class NotATechnicianCard(TechnicianCardProblem):
    """The card on the reader has no technician applet (a bank card, an ID card, nothing readable)."""


class WrongCardPin(TechnicianCardProblem):
    """The card refused the PIN; ``tries_left`` more are allowed before it blocks itself."""

    def __init__(self, tries_left: int) -> None:
        """Say how many tries are left."""
        super().__init__(f"wrong card PIN: {tries_left} tries left")
        self.tries_left = tries_left


class CardPinBlocked(TechnicianCardProblem):
    """The card blocked its PIN after too many wrong tries: ops must unblock or replace it."""


def _verify(transmit: apdu.Transmit, pin: str) -> None:
    """Present the PIN to the card (VERIFY, P2 80)."""
    if not PIN_FORMAT.fullmatch(pin):
        raise WrongCardPin(-1)  # never sent: the card counts only PINs that could be right
    try:
        apdu.exchange(transmit, bytes([0x00, 0x20, 0x00, 0x80, len(pin)]) + pin.encode(), "VERIFY")
    except apdu.ApduError as exc:
        if exc.sw == BLOCKED:
            raise CardPinBlocked("the card's PIN is blocked") from None
        if exc.sw >> 4 == 0x63C:
            raise WrongCardPin(exc.sw & 0x0F) from None
        raise


def prove(transmit: apdu.Transmit, pin: str, challenge: bytes) -> tuple[bytes, bytes]:
    """Return the card's certificate (DER) and its signature over the challenge, once its PIN is verified."""
    if len(challenge) != CHALLENGE_BYTES:
        raise ValueError(f"the challenge is {CHALLENGE_BYTES} bytes")
    try:
        apdu.exchange(transmit, apdu.select(AID), "SELECT technician applet")
        certificate = apdu.exchange(transmit, GET_CERTIFICATE, "GET DATA certificate")
    except apdu.ApduError:
        raise NotATechnicianCard("the card has no technician applet") from None
    _verify(transmit, pin)
    signature = apdu.exchange(transmit, bytes([0x00, 0x88, 0x00, 0x00, len(challenge)]) + challenge + b"\x00",
                              "INTERNAL AUTHENTICATE")
    return certificate, signature
