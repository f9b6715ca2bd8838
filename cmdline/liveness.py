"""Telling systemd a service is up and still working (sd_notify): READY once, then WATCHDOG while its loop turns.

Each long-running service (sync agent, central ingest, fleet monitor, enrollment service, kiosk UI)
runs under a `Type=notify` unit with `WatchdogSec=`. It says READY when it serves, and its main loop
calls `alive()` on every turn: a loop that hangs stops the pings, and systemd restarts the service.
Pings are sent at most twice per watchdog period; outside systemd (no NOTIFY_SOCKET) nothing is sent.
Messages go through libsystemd's own sd_notify (systemd-python).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

from systemd import daemon


class Liveness:
    """One service's notifications to systemd."""

    def __init__(self, send: Callable[[str], object] = daemon.notify,
                 now: Callable[[], float] = time.monotonic) -> None:
        """Read the watchdog period systemd gave this process (WATCHDOG_USEC), if any."""
        self._send, self._now = send, now
        usec = os.environ.get("WATCHDOG_USEC", "")
        period = int(usec) / 1e6 if usec.isdigit() and int(usec) > 0 else 0.0
        self.every = period / 2 if period else 0.0  # ping twice per period: one late turn is not a restart
        self._last = float("-inf")
        self._lock = threading.Lock()

    @property
    def watched(self) -> bool:
        """Return whether systemd watches this process (a watchdog period was given)."""
        return self.every > 0

    def ready(self, status: str = "") -> None:
        """Say the service is up and serving."""
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def alive(self) -> None:
        """Say the main loop turned (sent only when half a watchdog period has passed since the last ping)."""
        if not self.watched:
            return
        with self._lock:
            now = self._now()
            if now - self._last < self.every:
                return
            self._last = now
        self._send("WATCHDOG=1")

    def status(self, text: str) -> None:
        """Show a one-line status in `systemctl status` (no personal data)."""
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        """Say the service is shutting down on purpose."""
        self._send("STOPPING=1")
