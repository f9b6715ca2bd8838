"""Child process for the soak test: the kiosk UI or the sync agent, for a number of seconds.

Usage: python -m tests.kiosk.store.soak_worker ui|agent DIRECTORY SECONDS — prints a JSON summary.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.store import outbox
from tests.kiosk.store.helpers import open_test_store, submit


def main(role: str, directory: Path, seconds: float) -> None:
    """Act as one process of the terminal until the time is up."""
    store = open_test_store(directory)
    done, end = 0, time.monotonic() + seconds
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    while time.monotonic() < end:
        if role == "ui":
            # a real terminal takes hundreds a day; the soak's pace would exhaust one day's 9 999 numbers
            submit(store, done, now=datetime.now(UTC) + timedelta(days=done // 5000))
            done += 1
            time.sleep(0.005)
            continue
        for entry in outbox.pending(store, limit=50):
            outbox.ack(store, entry.record_id)
            done += 1
        store.clock = lambda: datetime.now(UTC) + timedelta(days=8)  # everything acked is past retention
        outbox.shred(store, timedelta(days=7))
        store.clock = lambda: datetime.now(UTC)
        time.sleep(0.05)
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store.close()
    print(json.dumps({"role": role, "done": done, "rss_kb_start": rss_start, "rss_kb_end": rss_end}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]))
