"""Interpreter settings for a process that holds a whole fleet in memory (the fleet monitor)."""

from __future__ import annotations

import gc
import sys

SWITCH_S = 0.001  # how long a busy thread may keep the GIL while another waits (Python's default: 5 ms)


def tune_gc() -> None:
    """Keep the garbage collector's full passes rare and short for a process holding a fleet in memory.

    Start-up objects (modules, the app) are frozen out of collection, and a young generation
    large enough that a heartbeat's objects die by reference count before they are promoted:
    otherwise full collections over hundreds of thousands of objects pause every thread for
    a few hundred milliseconds, API requests included, every few seconds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def tune_switching() -> None:
    """Let a waiting thread (a page's request) have the GIL sooner while the intake and the flush are busy.

    A request makes a few database queries, each releasing the GIL around SQLite's work and
    waiting to take it back; with the default interval each wait can last 5 ms behind the
    feeder and the flush, so a 10 ms page took over 100 ms at the 99th percentile at 100,000
    terminals. The cost is a few more switches between the busy threads.
    """
    sys.setswitchinterval(SWITCH_S)
