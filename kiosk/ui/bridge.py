"""The one way background work reaches the UI: run off the UI thread, come back through Kivy's Clock.

Card reads, printing and storage block; the UI thread never does. ``run`` starts the work on a
worker thread and schedules ``done`` (or ``failed`` with the exception) on the next frame.
A result for a screen the citizen has left is dropped by the caller's ``token`` check.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from kivy.clock import Clock

T = TypeVar("T")


def on_ui(action: Callable[[], Any]) -> None:
    """Run ``action`` on the UI thread at the next frame."""
    Clock.schedule_once(lambda _dt: action(), 0)


def run(work: Callable[[], T], done: Callable[[T], Any], failed: Callable[[Exception], Any]) -> threading.Thread:
    """Run ``work`` on a worker thread; deliver its result or exception on the UI thread."""
    def worker() -> None:
        try:
            result = work()
        except Exception as exc:
            error = exc
            on_ui(lambda: failed(error))
            return
        on_ui(lambda: done(result))

    thread = threading.Thread(target=worker, name="ui-work", daemon=True)
    thread.start()
    return thread
