"""Use case: what an untouched terminal does — attract passers-by on home, warn a citizen, then end the session.

A session ends the same way whether the citizen finished or walked away: after ``timeout_s``
without a touch (or longer, if the screen holds more text than an older citizen reads in that
time) a warning with a countdown shows, and after ``warning_s`` more the session is wiped. An idle
home screen cycles its tips every few seconds once nobody has touched it for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ATTRACT_AFTER_S = 30.0  # an untouched home screen starts cycling tips after this
ATTRACT_EVERY_S = 5
CHARACTERS_PER_S = 3.0  # Chinese read slowly and carefully (about 180 a minute: older readers, official text)
LETTERS_PER_S = 12.0  # letters and digits of English text (about 140 words a minute)
SLOWER = 2.0  # elder mode doubles the timeouts


def reading_s(text: str) -> float:
    """Return the seconds an older citizen needs to read ``text`` (Chinese characters are slower than letters)."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    narrow = sum(1 for ch in text if ord(ch) < 0x2E80 and not ch.isspace())
    return wide / CHARACTERS_PER_S + narrow / LETTERS_PER_S


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

    def decide(self, idle_s: float, *, in_session: bool, on_home: bool, reading_s: float = 0.0,
               slower: bool = False) -> IdleDecision:
        """Return what to do after ``idle_s`` seconds without a touch (asked about once a second).

        ``reading_s``: how long the text on the screen takes to read; the warning waits at least that long.
        ``slower``: elder mode, both the timeout and the warning's time to answer doubled. Any touch
        starts the count again, so the time can be extended without limit.
        """
        if not in_session:
            attract = on_home and idle_s >= ATTRACT_AFTER_S and round(idle_s) % ATTRACT_EVERY_S == 0
            return IdleDecision(IdleAction.ATTRACT if attract else IdleAction.NOTHING)
        factor = SLOWER if slower else 1.0
        timeout, warning = max(self.timeout_s * factor, reading_s), self.warning_s * factor  # config: ≥ 20 s
        if idle_s < timeout:
            return IdleDecision(IdleAction.NOTHING)
        countdown = max(0, round(timeout + warning - idle_s))
        return IdleDecision(IdleAction.WARN if countdown > 0 else IdleAction.END, countdown)
