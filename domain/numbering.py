"""Application identifiers: a time-ordered UUIDv7 and a short human number for receipts.

The human number is ``TTTT-YYMMDD-NNNNC``: the terminal id (unique per enrolled terminal),
the local date of submission, the terminal's sequence for that date (0001–9999) and a Luhn
mod 34 check character (digits and capitals without I and O) over everything before it, so
a mistyped or misread number is caught when a citizen quotes it. Two terminals never share
an id, and one terminal never reuses a (date, sequence) pair — the store keeps the last
sequence of every date, so a clock set back to an earlier day continues that day's count
instead of restarting it — which makes the number unique across terminals offline.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

import uuid6
from stdnum import luhn

# Digits and capitals without I and O, which read as 1 and 0; terminal ids use the same set.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_DAILY_SEQUENCE = 9999
NUMBER_PATTERN = re.compile(
    r"^(?P<terminal>[A-HJ-NP-Z][0-9A-HJ-NP-Z]{3,11})-(?P<date>\d{6})-(?P<seq>\d{4})(?P<check>[0-9A-HJ-NP-Z])$"
)


class NumberError(ValueError):
    """A receipt number that is malformed or fails its check character."""


def new_application_id() -> UUID:
    """Return a new globally unique, time-ordered id (UUIDv7, monotonic within a process)."""
    return UUID(str(uuid6.uuid7()))


def receipt_number(terminal_id: str, day: date, sequence: int) -> str:
    """Return the human number of the ``sequence``-th application of ``day`` at a terminal."""
    if not 1 <= sequence <= MAX_DAILY_SEQUENCE:
        raise NumberError(f"daily sequence {sequence} is outside 1..{MAX_DAILY_SEQUENCE}")
    body = f"{terminal_id}-{day:%y%m%d}-{sequence:04d}"
    if not NUMBER_PATTERN.match(body + "0"):
        raise NumberError(f"terminal id '{terminal_id}' cannot start a receipt number")
    return body + _check(body)


def _check(body: str) -> str:
    """Return the Luhn mod 34 check character of ``body`` (separators ignored)."""
    return str(luhn.calc_check_digit(body.replace("-", ""), alphabet=ALPHABET))


def parse_receipt_number(text: str) -> tuple[str, date, int]:
    """Return (terminal id, date, sequence) of a receipt number, checking its check character."""
    number = text.strip().upper()
    match = NUMBER_PATTERN.match(number)
    if not match:
        raise NumberError(f"'{text}' is not a receipt number like T001-261122-00427")
    if _check(number[:-1]) != match["check"]:
        raise NumberError(f"'{text}' has a wrong check character; it was probably mistyped")
    raw = match["date"]
    try:
        day = date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:]))
    except ValueError:
        raise NumberError(f"'{text}' has an impossible date") from None
    return match["terminal"], day, int(match["seq"])
