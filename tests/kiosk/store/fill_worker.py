"""Child process for the disk-full test, run inside a private mount namespace on a tiny tmpfs.

Usage: python -m tests.kiosk.store.fill_worker DIRECTORY — prints one JSON line with the outcome.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.store.errors import StoreFull
from tests.kiosk.store.helpers import open_test_store, submit


def main(directory: Path) -> None:
    """Submit until the disk is full, then check that everything stored is intact."""
    store = open_test_store(directory)
    submitted: list[str] = []
    error = ""
    for index in range(100_000):
        try:
            submitted.append(str(submit(store, index).id))
        except StoreFull as exc:
            error = f"{type(exc).__name__}: {exc}"
            break
    again = ""
    try:
        submit(store, 0)
    except StoreFull as exc:
        again = type(exc).__name__
    store.close()
    reopened = open_test_store(directory)
    readable = sum(reopened.application_content(rid)["id"] == rid for rid in submitted)
    result = {"submitted": len(submitted), "error": error, "again": again,
              "present": reopened.count_applications(), "readable": readable}
    reopened.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
