"""Use case: what an untouched terminal does — attract passers-by on home, warn a citizen, then end the session.

A session ends the same way whether the citizen finished or walked away: after ``timeout_s``
without a touch a warning with a countdown shows, and after ``warning_s`` more the session is
wiped. An idle home screen cycles its tips every few seconds once nobody has touched it for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ATTRACT_AFTER_S = 30.0  # an untouched home screen starts cycling tips after this
ATTRACT_EVERY_S = 5


class IdleAction(Enum):
    """What to do after a given time without a touch."""

    NOTHING = "nothing"
    ATTRACT = "attract"  # show the next tip on home
    WARN = "warn"  # show the warning with the seconds left
    END = "end"  # wipe the session and go home


@dataclass(frozen=True)
class IdleDecision:
    """An action, and the seconds left before the session ends (for the warning)."""

    action: IdleAction
    countdown: int = 0


@dataclass(frozen=True)
class IdlePolicy:
    """The terminal's timeouts (from its UI settings)."""

    timeout_s: float
    warning_s: float

    def decide(self, idle_s: float, *, in_session: bool, on_home: bool) -> IdleDecision:
        """Return what to do after ``idle_s`` seconds without a touch (asked about once a second)."""
        if not in_session:
            attract = on_home and idle_s >= ATTRACT_AFTER_S and round(idle_s) % ATTRACT_EVERY_S == 0
            return IdleDecision(IdleAction.ATTRACT if attract else IdleAction.NOTHING)
        if idle_s < self.timeout_s:
            return IdleDecision(IdleAction.NOTHING)
        countdown = max(0, round(self.timeout_s + self.warning_s - idle_s))
        return IdleDecision(IdleAction.WARN if countdown > 0 else IdleAction.END, countdown)
