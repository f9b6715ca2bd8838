"""The receipt's QR token: the receipt number, signed at the terminal under a key central vouched for.

A receipt is printed at once, online or not, so central cannot sign it then. Instead central signs,
ahead of time, a **delegation**: this terminal's receipt key (Ed25519) may sign receipts made up to a
day. The terminal signs each receipt number with that key, and the token carries the delegation, so
anyone holding central's public key (every terminal, a staff phone, central's public progress page)
verifies a receipt offline: central's signature on the delegation, then the terminal's on the number,
the terminal the number names being the one vouched for, made on a day the delegation covers.

Text form (URL-safe): ``<receipt number>.<base64url(delegation ‖ signature)>``; a receipt printed
before the terminal held a delegation carries the number alone, which proves nothing.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.numbering import NumberError, parse_receipt_number

DELEGATION = b"yichuang receipt delegation v1\x00"
RECEIPT = b"yichuang receipt v1\x00"
EPOCH = date(2000, 1, 1)
TAIL = struct.Struct(">32sI64s")  # the receipt key, the last day (days since EPOCH), central's signature
MAX_TERMINAL = 12
MAX_TOKEN = 256  # characters


class TokenError(ValueError):
    """A token that proves nothing; the message says why (no personal data: a token holds none)."""


@dataclass(frozen=True)
class Verified:
    """What a verified token says: this receipt number was issued by this terminal on this day."""

    number: str
    terminal: str
    day: date


def delegate(central: ed25519.Ed25519PrivateKey, terminal: str, key: ed25519.Ed25519PublicKey, until: date) -> bytes:
    """Return central's delegation letting ``terminal``'s receipt ``key`` sign receipts made up to ``until``."""
    raw = key.public_bytes_raw()
    days = (until - EPOCH).days
    body = bytes([len(terminal)]) + terminal.encode("ascii") + raw + struct.pack(">I", days)
    return body + central.sign(DELEGATION + body)


def read_delegation(data: bytes, central: ed25519.Ed25519PublicKey) -> tuple[str, ed25519.Ed25519PublicKey, date]:
    """Return the terminal, key and last day a delegation vouches for; raise TokenError if it is not central's."""
    if not data or not 1 <= data[0] <= MAX_TERMINAL or len(data) != 1 + data[0] + TAIL.size:
        raise TokenError("not a delegation")
    size = data[0]
    terminal = data[1:1 + size].decode("ascii", "replace")
    raw, days, signature = TAIL.unpack_from(data, 1 + size)
    try:
        central.verify(signature, DELEGATION + data[:-64])
    except InvalidSignature:
        raise TokenError("the delegation is not central's") from None
    return terminal, ed25519.Ed25519PublicKey.from_public_bytes(raw), EPOCH + timedelta(days=days)


def sign(number: str, delegation: bytes, key: ed25519.Ed25519PrivateKey) -> str:
    """Return the token of receipt ``number`` signed with the delegated receipt ``key``."""
    signature = key.sign(RECEIPT + number.encode("ascii") + delegation)
    return f"{number}.{base64.urlsafe_b64encode(delegation + signature).decode().rstrip('=')}"


def verify(token: str, central: ed25519.Ed25519PublicKey) -> Verified:
    """Return what a token proves; raise TokenError for an unsigned, damaged or forged one."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or not token.isascii():
        raise TokenError("not a receipt token")
    number, _, signed = token.partition(".")
    try:
        terminal, day = _number(number)
        blob = base64.urlsafe_b64decode(signed + "=" * (-len(signed) % 4))
    except (NumberError, ValueError, binascii.Error):
        raise TokenError("not a receipt token") from None
    if not signed or len(blob) <= 64:
        raise TokenError("the receipt carries no signature")
    delegation, signature = blob[:-64], blob[-64:]
    vouched, key, until = read_delegation(delegation, central)
    if vouched != terminal or day > until:
        raise TokenError("the delegation does not cover this terminal on that day")
    try:
        key.verify(signature, RECEIPT + number.encode("ascii") + delegation)
    except InvalidSignature:
        raise TokenError("the receipt's signature does not match") from None
    return Verified(number, terminal, day)


def _number(number: str) -> tuple[str, date]:
    """Return the terminal and the day a well-formed receipt number names."""
    terminal, day, _ = parse_receipt_number(number)
    return terminal, day
