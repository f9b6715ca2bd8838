"""Login rate limiting: failed attempts counted per user name and per client address in a sliding window.

A name that keeps failing is locked for the rest of the window wherever the attempts come from
(a guessed password), and an address that keeps failing is locked whatever names it tries
(a sprayer). Counting happens in memory, per process: behind a load balancer each node
counts its own, so the effective limit is the per-node limit times the node count.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
PER_NAME = 5
PER_ADDRESS = 20
TRACKED = 10_000  # keys remembered at most (the oldest are forgotten first): bounded memory under a flood


class LoginThrottle:
    """Failed logins per key (``name:…``, ``addr:…``) within ``window``."""

    def __init__(self, per_name: int = PER_NAME, per_address: int = PER_ADDRESS, window: timedelta = WINDOW) -> None:
        """Set the limits."""
        self.limits = {"name": per_name, "addr": per_address}
        self.window = window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str]:
        """Return the two keys an attempt counts against."""
        return f"name:{name.lower()}", f"addr:{address}"

    def retry_after(self, name: str, address: str, now: datetime) -> int:
        """Return the seconds to wait before another attempt is heard (0: go ahead)."""
        wait = 0.0
        with self._lock:
            for key in self._keys(name, address):
                times = self._failures.get(key)
                while times and now - times[0] >= self.window:
                    times.popleft()
                if times and len(times) >= self.limits[key.split(":", 1)[0]]:
                    wait = max(wait, (times[0] + self.window - now).total_seconds())
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, name: str, address: str, now: datetime) -> None:
        """Count a failed attempt."""
        with self._lock:
            for key in self._keys(name, address):
                self._failures.setdefault(key, deque()).append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > TRACKED:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        """Forget a name's failures after a good login (the address keeps its count)."""
        with self._lock:
            self._failures.pop(self._keys(name, "")[0], None)
