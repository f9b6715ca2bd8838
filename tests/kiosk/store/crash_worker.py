"""Child process for crash tests: does store work until a crash point kills it (SIGKILL).

Usage: python -m tests.kiosk.store.crash_worker MODE DIRECTORY COUNT
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.store import outbox
from tests.kiosk.store.helpers import open_test_store, submit


def main(mode: str, directory: Path, count: int) -> None:
    """Run ``mode`` against the store in ``directory``, reporting each completed step."""
    store = open_test_store(directory)
    if mode == "submit":
        for index in range(count):
            application = submit(store, index)
            print(f"ok {application.id}", flush=True)
    elif mode == "ack":
        for entry in outbox.pending(store, limit=count):
            outbox.ack(store, entry.record_id)
            print(f"acked {entry.record_id}", flush=True)
    elif mode == "shred":
        store.clock = lambda: datetime.now(UTC) + timedelta(days=30)
        print(f"shredded {outbox.shred(store, timedelta(days=7), chunk_size=2)}", flush=True)
    store.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
