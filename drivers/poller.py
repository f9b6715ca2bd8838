"""One poller per device (Home Assistant's coordinator pattern).

The poller asks its driver for a status snapshot on an interval, turns every driver
exception into a single "device unavailable" snapshot, keeps the latest snapshot for the
screens, and hands each change to its listeners (the store, for telemetry).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.status import Snapshot, unavailable

log = logging.getLogger(__name__)
Listener = Callable[[Snapshot], None]


class Poller:
    """Polls one device in a background thread and publishes its snapshots."""

    def __init__(self, device: str, fetch: Callable[[], Snapshot], interval: float = 5.0) -> None:
        """Poll ``fetch`` for ``device`` every ``interval`` seconds once started."""
        self.device, self.fetch, self.interval = device, fetch, interval
        self._latest = unavailable(device, "not polled yet")
        self.polled = False  # whether ``latest`` comes from the device yet
        self._listeners: list[Listener] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._polling = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def latest(self) -> Snapshot:
        """Return the most recent snapshot."""
        with self._lock:
            return self._latest

    def listen(self, listener: Listener) -> None:
        """Call ``listener`` with every snapshot whose state, media or error changed."""
        self._listeners.append(listener)

    def refresh(self) -> Snapshot:
        """Poll once now; never raises.

        One poll at a time: a poll from another thread (a device check) waits, so an answer the
        device gave earlier can never replace, and be recorded after, a newer one.
        """
        with self._polling:
            try:
                snapshot = self.fetch()
            except Exception as exc:
                log.warning("%s unavailable: %s", self.device, type(exc).__name__)
                snapshot = unavailable(self.device, f"{type(exc).__name__}: {exc}")
            with self._lock:
                previous, self._latest = self._latest, snapshot
                self.polled = True
            if _changed(previous, snapshot):
                self._tell(snapshot)
        return snapshot

    def _tell(self, snapshot: Snapshot) -> None:
        """Hand a changed snapshot to every listener; one that fails does not stop the others."""
        for listener in self._listeners:
            try:
                listener(snapshot)
            except Exception:
                log.exception("status listener of %s failed", self.device)

    def start(self) -> None:
        """Start polling in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"poll-{self.device}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
            self._thread = None

    def _run(self) -> None:
        """Poll until stopped."""
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(self.interval)


def _changed(before: Snapshot, after: Snapshot) -> bool:
    """Return whether anything but the time stamp differs."""
    def key(snapshot: Snapshot) -> tuple[object, ...]:
        error = snapshot.error
        return snapshot.state, snapshot.media, None if error is None else (error.kind, error.code)

    return key(before) != key(after)  # a message with a countdown in it is not a change
