"""Child process for the plaintext scan: a busy terminal day, with debug logging on.

Usage: python -m tests.kiosk.store.leak_worker DIRECTORY LOGFILE
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.store import outbox
from kiosk.store.inspect import check
from tests.kiosk.store.helpers import open_test_store, submit


def main(directory: Path, logfile: Path) -> None:
    """Submit, sync, reprint, rate, check and shred, logging everything at DEBUG."""
    logging.basicConfig(filename=logfile, level=logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    store = open_test_store(directory)
    applications = [submit(store, i) for i in range(30)]
    for application in applications[:20]:
        outbox.ack(store, str(application.id))
    store.reprint(applications[25].number)
    store.rate(str(applications[0].id), 1, "不满意")
    logging.info("check: %s", check(store))
    store.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    outbox.shred(store, timedelta(days=7))
    for entry in outbox.pending(store):
        outbox.payload(store, entry)
    store.close()
    print("done", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
