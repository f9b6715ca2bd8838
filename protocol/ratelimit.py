"""A token bucket per sender: how services on the broker keep one flooding sender from starving the rest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_BUCKETS = 10_000  # full buckets are forgotten beyond this many senders


@dataclass
class RateLimit:
    """A token bucket per sender: ``burst`` requests at once, refilled by one every ``every`` seconds."""

    burst: int
    every: float
    clock: Callable[[], float] = time.monotonic
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # sender -> (tokens, at)

    def allow(self, sender: str) -> bool:
        """Take one token of ``sender``'s bucket; return False when it is empty."""
        now = self.clock()
        tokens, at = self.buckets.get(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) / self.every)
        if len(self.buckets) >= MAX_BUCKETS and sender not in self.buckets:
            self._forget_full(now)
        if tokens < 1:
            self.buckets[sender] = (tokens, now)
            return False
        self.buckets[sender] = (tokens - 1, now)
        return True

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold nothing a new bucket would not)."""
        full = [s for s, (tokens, at) in self.buckets.items() if tokens + (now - at) / self.every >= self.burst]
        for sender in full:
            del self.buckets[sender]
