"""Garbage-collector settings for a process that holds a whole fleet in memory (the fleet monitor)."""

from __future__ import annotations

import gc


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
