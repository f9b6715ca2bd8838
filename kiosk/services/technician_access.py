"""Use case: the technician's way in — a hidden gesture on an open screen, then the PIN — and the audit of it.

Five taps in the screen's top-left corner within three seconds open the PIN keypad; a citizen does
not do that by accident, and it is only listened for where no session runs (home, out of service).
Every entry, exit and refusal is an event in the store (never the PIN), which the heartbeat reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.store.store import Store

TAPS = 5
WITHIN_S = 3.0
CORNER = 0.12  # the corner's share of the screen's width and height
ACTIONS = frozenset({"entered", "exited", "idle_exit", "paper_replaced", "test_page", "self_test",
                     "card_test", "catalog_rollback", "reenroll", "reenrolled", "entered_card"})


@dataclass
class CornerTaps:
    """Counts taps in the top-left corner; the fifth within WITHIN_S opens the technician's PIN keypad."""

    times: list[float] = field(default_factory=list)

    def tap(self, x: float, y: float, now: float) -> bool:
        """Note a tap at (x, y) as shares of the window (y from the bottom); return whether the gesture is complete."""
        if x > CORNER or y < 1 - CORNER:
            self.times.clear()
            return False
        self.times = [t for t in self.times if now - t <= WITHIN_S] + [now]
        if len(self.times) < TAPS:
            return False
        self.times.clear()
        return True


def audit(store: Store, action: str, technician: str | None = None) -> None:
    """Record what the technician did for ops: the action and, by card, who (never a PIN or a value)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown technician action: {action}")
    store.record_event("technician", "info", {"action": action} | ({"technician": technician} if technician else {}))


def sync_backlog(store: Store) -> tuple[int, int]:
    """Return how many entries central has not acknowledged and the age of the oldest in minutes (0: none)."""
    from kiosk.store.outbox import backlog, oldest_pending_age  # noqa: PLC0415 - SQLAlchemy stays off the kiosk's start

    age = oldest_pending_age(store)
    return backlog(store), 0 if age is None else int(age.total_seconds() // 60)
