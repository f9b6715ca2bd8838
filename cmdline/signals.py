"""Stopping a service on SIGTERM and SIGINT, without the handler ever waiting on a lock its own thread holds."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from types import FrameType


def stop_on_signals(stop: threading.Event, signals: Iterable[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
    """Set ``stop`` when one of ``signals`` arrives.

    Python runs a handler in the main thread between two bytecodes, possibly while that thread is
    inside ``stop.wait()`` holding the event's own lock; ``stop.set()`` there would wait for itself.
    A short thread sets it instead, once the main thread lets go.
    """
    def handler(signum: int, frame: FrameType | None) -> None:
        """Hand the setting to a thread of its own."""
        threading.Thread(target=stop.set, name=f"signal-{signum}", daemon=True).start()
    for signum in signals:
        signal.signal(signum, handler)
