"""Load the handwriting engine (or just read its model file) in this fresh process; print what it cost as JSON.

``python -m benchmarks.handwriting_probe rerank|zinnia|read``: ``rerank`` opens the kiosk's recogniser (Zinnia
re-ranked by shape: the model and the shape atlas, built beforehand) and recognises one character, ``zinnia``
the same with Zinnia alone; ``read`` reads the model file into memory, the least any engine using it must hold.
Resident memory comes from /proc/self/status, before and after, in kB.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from drivers.handwriting.rerank import RerankingRecognizer
from drivers.handwriting.zinnia import MODEL, ZinniaRecognizer


def resident() -> dict[str, int]:
    """Return this process's resident memory in kB: in all, anonymous, and file-backed."""
    fields = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file"}
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in fields:
            found[fields[key]] = int(value.split()[0])
    return found


def load(mode: str) -> object:
    """Load the engine and recognise a stroke, or read the model file; return what must stay alive."""
    if mode == "read":
        return MODEL.read_bytes()
    recognizer = RerankingRecognizer() if mode == "rerank" else ZinniaRecognizer()
    recognizer.recognize([[(100.0, 300.0), (500.0, 300.0)]], 600, 600)
    return recognizer


def main() -> int:
    """Measure one load and print it as JSON."""
    before = resident()
    started = time.perf_counter()
    kept = load(sys.argv[1])
    seconds = time.perf_counter() - started
    after = resident()
    print(json.dumps({"seconds": seconds, **{key: after[key] - before[key] for key in before}}))
    del kept
    return 0


if __name__ == "__main__":
    sys.exit(main())
