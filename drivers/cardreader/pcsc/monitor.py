"""A supervised PC/SC card monitor that survives pcscd restarts and readers coming and going.

pyscard's own CardMonitor thread dies silently when pcscd restarts. This one owns its loop:
it waits for status changes with a short timeout (so it can always be stopped), and when
the service or a reader disappears it reports the readers offline, releases the context,
and establishes a new one with exponential backoff until pcscd answers again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from drivers.cardreader.errors import CardReaderError
from drivers.cardreader.pcsc import scard

log = logging.getLogger(__name__)
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 5.0


@dataclass(frozen=True)
class CardEvent:
    """Something that happened at a reader; the ATR says what kind of card, nothing personal."""

    kind: str  # reader_online | reader_offline | card_inserted | card_removed
    reader: str
    atr: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class CardMonitor:
    """Reports reader and card events to ``on_event`` from a supervised background thread."""

    def __init__(self, on_event: Callable[[CardEvent], None], match: str = "", poll_ms: int = 300) -> None:
        """Watch readers whose name starts with ``match`` (all readers when empty)."""
        self.on_event, self.match, self.poll_ms = on_event, match, poll_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._present: dict[str, bool] = {}  # reader -> card present, for the readers we see
        self.sessions = 0  # contexts established so far (a restart count, for diagnostics)
        self._healthy = False

    def start(self) -> None:
        """Start watching."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pcsc-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and wait for the thread (at most a poll interval plus a backoff)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=BACKOFF_MAX + self.poll_ms / 1000 + 2)
            self._thread = None

    @property
    def alive(self) -> bool:
        """Return whether the watching thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _emit(self, kind: str, reader: str, atr: bytes = b"") -> None:
        """Hand one event to the listener; a failing listener never stops the monitor."""
        try:
            self.on_event(CardEvent(kind, reader, atr.hex().upper()))
        except Exception:
            log.exception("card event listener failed")

    def _run(self) -> None:
        """Run sessions until stopped, re-establishing the context after every failure."""
        backoff = BACKOFF_FIRST
        while not self._stop.is_set():
            try:
                self._session()
            except CardReaderError as exc:
                log.warning("PC/SC unavailable: %s", exc)
            except Exception:
                log.exception("PC/SC monitor failed; restarting it")
            self._all_offline()
            if self._stop.wait(backoff):
                return
            backoff = BACKOFF_FIRST if self._healthy else min(backoff * 2, BACKOFF_MAX)
            self._healthy = False

    def _all_offline(self) -> None:
        """Report every known reader offline."""
        for reader in list(self._present):
            self._emit("reader_offline", reader)
        self._present.clear()

    def _session(self) -> None:
        """Watch with one context until it fails or we are stopped."""
        context = scard.establish()
        self.sessions += 1
        self._healthy = True  # it came up: the next outage starts its backoff afresh
        try:
            states = self._readers(context)
            while not self._stop.is_set():
                changed = scard.status_change(context, self.poll_ms, states)
                if changed is None:
                    continue
                if any(name == scard.PNP and event & scard.CHANGED for name, event, _ in changed):
                    states = self._readers(context)
                    continue
                states = self._apply(changed)
        finally:
            scard.release(context)

    def _readers(self, context: Any) -> list[tuple[str, int]]:
        """List matching readers, reporting new and vanished ones; return the states to watch."""
        names = [r for r in scard.list_readers(context) if r.startswith(self.match)]
        for gone in set(self._present) - set(names):
            del self._present[gone]
            self._emit("reader_offline", gone)
        for new in names:
            if new not in self._present:
                self._present[new] = False
                self._emit("reader_online", new)
        return [(name, scard.UNAWARE) for name in names] + [(scard.PNP, scard.UNAWARE)]

    def _apply(self, changed: list[tuple[str, int, bytes]]) -> list[tuple[str, int]]:
        """Turn state changes into events; return the states to watch next."""
        states = []
        for name, event, atr in changed:
            if name != scard.PNP and name in self._present:
                present = bool(event & scard.PRESENT) and not event & scard.UNAVAILABLE
                if present != self._present[name]:
                    self._present[name] = present
                    self._emit("card_inserted" if present else "card_removed", name, atr if present else b"")
            states.append((name, event & ~scard.CHANGED))
        return states
