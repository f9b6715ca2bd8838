"""Central's side of the drain benchmark, in its own process: its ingest workers (one by default), timed by stage.

Usage: python -m benchmarks.drain_central SPEC.json — runs until SIGTERM, then prints stage seconds as JSON.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from central.platform import keys, worker
from central.platform.catalogs import CatalogArchive
from central.platform.database import make_engine
from central.platform.ingest import Checked, Ingest
from central.platform.service import IngestService
from domain.data import SAMPLE_CATALOG
from protocol.link import Link

TIMES = {"central verify/decrypt/check": 0.0, "central DB commit": 0.0, "central ack sign": 0.0}


class TimedIngest(Ingest):
    """Ingest that adds the time of each stage to TIMES."""

    def _check_message(self, topic: str, payload: bytes) -> list[Checked]:
        began = time.perf_counter()
        try:
            return super()._check_message(topic, payload)
        finally:
            TIMES["central verify/decrypt/check"] += time.perf_counter() - began

    def _commit(self, checked: list[Checked]) -> list[Any]:
        began = time.perf_counter()
        try:
            return super()._commit(checked)
        finally:
            TIMES["central DB commit"] += time.perf_counter() - began


def _timed_seal(original: Any) -> Any:
    def seal(*args: Any) -> bytes:
        began = time.perf_counter()
        try:
            return bytes(original(*args))
        finally:
            TIMES["central ack sign"] += time.perf_counter() - began
    return seal


def main(spec_path: Path) -> None:
    """Serve as the spec says until SIGTERM."""
    spec = json.loads(spec_path.read_text())
    worker.seal_acks = _timed_seal(worker.seal_acks)  # type: ignore[assignment]
    archive = CatalogArchive.load(None, SAMPLE_CATALOG)
    ingest = TimedIngest(make_engine(spec["db"]), keys.load(Path(spec["keys"])), archive)
    service = IngestService(ingest, Link(**spec["link"]), workers=spec["workers"])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    service.start()
    print("ready", flush=True)
    service.run(stop)
    print(json.dumps(TIMES), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
