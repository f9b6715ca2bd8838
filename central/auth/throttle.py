"""Login rate limiting: attempts counted per name from one address, per address, and per name from anywhere.

An attempt counts as failed from the moment it starts (its scrypt takes tens of milliseconds,
and parallel requests must not all slip through before the first failure is counted); a
success takes it back. The tight limit is a name from one address (a guessed password); an
address trying many names meets the address limit (a sprayer); a name failing from many
addresses meets a much higher limit, so one person cannot lock a colleague out with five
tries. IPv6 clients count per /64, the block one subscriber holds. Counting is in memory, per
process: behind a load balancer each node counts its own.
"""

from __future__ import annotations

import ipaddress
import threading
from collections import OrderedDict, deque
from datetime import datetime, timedelta

WINDOW = timedelta(minutes=15)
LIMITS = {"pair": 5, "addr": 20, "name": 100}  # failed attempts per WINDOW for each kind of key
TRACKED = 50_000  # keys remembered at most: expired ones are dropped first, then the least recently failed


def _network(address: str) -> str:
    """Return what an address counts as: itself, or its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class LoginThrottle:
    """Failed logins per key within ``window``."""

    def __init__(self, limits: dict[str, int] | None = None, window: timedelta = WINDOW) -> None:
        """Set the limits (per kind of key: pair, addr, name)."""
        self.limits = {**LIMITS, **(limits or {})}
        self.window = window
        self._failures: OrderedDict[str, deque[datetime]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _keys(name: str, address: str) -> tuple[str, str, str]:
        """Return the keys an attempt counts against."""
        name, network = name.lower(), _network(address)
        return f"pair:{name}@{network}", f"addr:{network}", f"name:{name}"

    def _wait(self, key: str, now: datetime) -> float:
        """Return the seconds ``key`` is locked for (dropping its expired failures)."""
        times = self._failures.get(key)
        while times and now - times[0] >= self.window:
            times.popleft()
        if times and len(times) >= self.limits[key.split(":", 1)[0]]:
            return (times[0] + self.window - now).total_seconds()
        return 0.0

    def begin(self, name: str, address: str, now: datetime) -> int:
        """Start an attempt: return the seconds to wait (refused), or 0 and count it as failed until it succeeds."""
        keys = self._keys(name, address)
        with self._lock:
            wait = max(self._wait(key, now) for key in keys)
            if wait > 0:
                return int(wait) + 1
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)
                self._failures.move_to_end(key)
            self._forget_some(now)
        return 0

    def succeeded(self, name: str, address: str, now: datetime) -> None:
        """Take back the attempt ``begin`` counted, and forget the pair's earlier failures."""
        pair, addr, name_key = self._keys(name, address)
        with self._lock:
            self._failures.pop(pair, None)
            for key in (addr, name_key):
                times = self._failures.get(key)
                if times and now in times:
                    times.remove(now)

    def _forget_some(self, now: datetime) -> None:
        """Keep at most TRACKED keys: expired ones go first, then the least recently failed."""
        if len(self._failures) <= TRACKED:
            return
        for key in [k for k, times in self._failures.items() if not times or now - times[-1] >= self.window]:
            del self._failures[key]
        while len(self._failures) > TRACKED:
            self._failures.popitem(last=False)
