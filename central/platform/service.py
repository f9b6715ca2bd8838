"""The central platform's ingest service: N workers on one shared subscription, and the 进度查询 desk.

One worker thread per process is the default: a second thread in the same process measured slower
(it costs ~30 % more CPU per application in GIL hand-offs than it saves by overlapping a commit's
wait, `make bench`'s drain); more processes on the shared subscription, or more hosts, add cores.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable

from central.platform.desk import QueryDesk
from central.platform.ingest import Ingest
from central.platform.worker import IngestWorker
from protocol import topics
from protocol.link import Link


class IngestService:
    """Several ingest workers in one process; more processes (or hosts) simply add more."""

    def __init__(self, ingest: Ingest, link: Link, workers: int = 1) -> None:
        """Prepare ``workers`` workers with service client ids unique to this host and process."""
        prefix = f"{socket.gethostname()}-{os.getpid()}"
        self.workers = [IngestWorker(ingest, link, name=topics.service_client_id("central", f"{prefix}-{n + 1}"))
                        for n in range(workers)]
        self.desk = QueryDesk(ingest.engine, ingest.keys, link, topics.service_client_id("central", f"{prefix}-query"))
        self.parts: tuple[IngestWorker | QueryDesk, ...] = (*self.workers, self.desk)

    def start(self, timeout: float = 30, stop: threading.Event | None = None) -> bool:
        """Start every worker; return whether all subscribed within ``timeout`` s (giving up when ``stop`` is set)."""
        for worker in self.parts:
            worker.start()
        deadline, stopping = time.monotonic() + timeout, stop or threading.Event()
        while not all(worker.ready.is_set() for worker in self.parts):
            if time.monotonic() >= deadline or stopping.wait(0.1):
                return False
        return True

    def run(self, stop: threading.Event, turned: Callable[[], None] = lambda: None) -> None:
        """Serve until ``stop`` is set, then stop every worker; ``turned`` every second while every worker lives."""
        while not stop.wait(1.0):
            if all(worker.alive() for worker in self.parts):
                turned()  # a dead worker stops the watchdog's pings: systemd restarts central
        for worker in self.parts:
            worker.stop()

    def handled(self) -> int:
        """Return how many messages the workers have taken so far."""
        return sum(worker.handled for worker in self.workers)
