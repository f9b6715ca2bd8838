"""The technician PIN: not trivial, checked against its scrypt hash, and guessing it locked out.

Five wrong tries (a wrong PIN, or a technician card that did not prove itself) are free; each
further one locks the technician screens for twice as long as the one before (1 minute, 2, 4, …
at most a day). Every wrong try is an event in the store (without
the PIN, right or wrong), and the lockout is computed from those events, so turning the terminal
off and on does not reset it. The right PIN clears the count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from domain.passwords import verify_secret
from kiosk.store.store import Store

FREE_TRIES = 5
FIRST_LOCKOUT = timedelta(minutes=1)
LONGEST_LOCKOUT = timedelta(days=1)
FAILED, ACCEPTED = "technician_pin_failed", "technician_pin_accepted"
CARD_REFUSED = "technician_card_refused"  # a technician card that did not open the screens counts as a wrong try
PIN_FORMAT = re.compile(r"^[0-9]{6,12}$")
MAX_INPUT = 64  # more than any PIN: longer input is a wrong try, never hashed


class PinLocked(Exception):
    """Too many wrong PINs: the technician screens stay locked until ``until``."""

    def __init__(self, until: datetime) -> None:
        """Say until when."""
        super().__init__(f"too many wrong PINs: locked until {until.isoformat(timespec='seconds')}")
        self.until = until


def pin_problem(pin: str) -> str | None:
    """Return why ``pin`` may not be the technician PIN, or None when it may."""
    if not PIN_FORMAT.match(pin):
        return "the technician PIN is 6 to 12 digits (0-9)"
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if steps in ({0}, {1}, {9}):
        return "the technician PIN may not be one digit repeated or a run of digits (000000, 123456, 654321)"
    if any(pin == (pin[:period] * len(pin))[:len(pin)] for period in (2, 3)):
        return "the technician PIN may not repeat a short pattern (121212, 123123)"
    return None


@dataclass
class TechnicianPin:
    """Checks typed PINs against the configured hash (``technician.pin_hash``), with the lockout."""

    pin_hash: str
    store: Store

    def _failures(self) -> list[datetime]:
        """Return the times of the wrong tries since the PIN was last accepted."""
        events = self.store.events()
        accepted = [i for i, event in enumerate(events) if event["kind"] == ACCEPTED]
        since = accepted[-1] + 1 if accepted else 0
        return [datetime.fromisoformat(e["at"]) for e in events[since:] if e["kind"] in {FAILED, CARD_REFUSED}]

    @staticmethod
    def _lockout(failures: list[datetime]) -> datetime | None:
        """Return until when ``failures`` lock the screens (None while tries are left)."""
        extra = len(failures) - FREE_TRIES
        if extra < 0:
            return None
        return failures[-1] + min(FIRST_LOCKOUT * (1 << min(extra, 20)), LONGEST_LOCKOUT)

    def locked_until(self) -> datetime | None:
        """Return until when the screens are locked, or None."""
        until = self._lockout(self._failures())
        return until if until is not None and until > self.store.clock() else None

    def check(self, typed: str) -> bool:
        """Return whether ``typed`` is the PIN; raise PinLocked without trying it while locked out."""
        until = self.locked_until()
        if until is not None:
            raise PinLocked(until)
        if self.pin_hash and len(typed) <= MAX_INPUT and verify_secret(typed, self.pin_hash):
            self.store.record_event(ACCEPTED, "info", {})
            return True
        failures = [*self._failures(), self.store.clock()]
        locked = self._lockout(failures)
        self.store.record_event(FAILED, "warning", {
            "failures": len(failures), "locked_until": locked.astimezone(UTC).isoformat() if locked else None})
        return False
