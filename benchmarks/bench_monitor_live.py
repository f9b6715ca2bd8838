"""The fleet monitor live at 100,000 terminals, in process (#27 §1): its CPU share, its memory, and the pages meanwhile.

As `fleet serve` runs it: a feeder thread hands heartbeats to the monitor as paho's network thread
would (a 30-second interval: 3,333 a second at 100,000, in batches every 0.1 s), a flusher flushes
5 s after the last flush ended, and the dashboard app answers in the same process. First a window with
no requests gives the monitor's CPU share of one core (the feeder's building of messages taken out)
and the memory it added; then a window in which the overview page and a terminal's page are asked
for back to back gives their latency while it runs (subject), against the same pages at rest (baseline).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from benchmarks.bench_monitor_scale import FLUSH_S, HEARTBEAT_S, Stages, deliver, messages, monitor_of, name, rss_mib
from benchmarks.harness import Run, RunCase
from central.auth.accounts import Accounts
from central.monitor.memory import tune_gc, tune_switching
from central.monitor.monitor import FleetMonitor
from central.web import create_app
from tests.central.dashboard.helpers import guard_with_accounts, log_in

TERMINALS = int(os.environ.get("YC_MONITOR_LIVE", "100000"))
CPU_S = float(os.environ.get("YC_MONITOR_LIVE_S", "90"))  # the window without requests
PAGES_S = float(os.environ.get("YC_MONITOR_PAGES_S", "40"))  # the window with requests
AT_REST = 40  # requests of each page with the monitor at rest
TICK = 0.1  # the feeder's batch period
TARGETS_MS = {"overview": 300, "terminal": 100}
_results: dict[str, Any] = {}


class Live:
    """A feeder and a flusher running the monitor until stopped."""

    def __init__(self, monitor: FleetMonitor) -> None:
        """Start feeding and flushing ``monitor``."""
        self.monitor, self.stop, self.building = monitor, threading.Event(), 0.0
        self.flushes: list[float] = []
        self.threads = [threading.Thread(target=self._feed, daemon=True),
                        threading.Thread(target=self._flush, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _feed(self) -> None:
        """Deliver a 30-second interval's heartbeats, a batch every TICK, round-robin over the fleet."""
        per_tick, sent, next_at = round(TERMINALS / HEARTBEAT_S * TICK), 0, time.perf_counter()
        while not self.stop.is_set():
            began = time.thread_time()
            batch = messages(sent, per_tick, TERMINALS)  # what paho would have built from the socket
            self.building += time.thread_time() - began
            deliver(self.monitor, batch)
            sent += per_tick
            next_at += TICK
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def _flush(self) -> None:
        """Flush FLUSH_S after the last flush ended, as `fleet serve` does."""
        while not self.stop.wait(FLUSH_S):
            began = time.perf_counter()
            self.monitor.flush()
            self.flushes.append(time.perf_counter() - began)

    def end(self) -> None:
        """Stop both threads."""
        self.stop.set()
        for thread in self.threads:
            thread.join()


class Pauses:
    """The garbage collector's collections of the older generations while it runs, and how long each took."""

    def __init__(self) -> None:
        """Start listening to the collector."""
        self.began = 0.0
        self.seconds: dict[int, list[float]] = {1: [], 2: []}
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        """Time each collection of generation 1 or 2."""
        if phase == "start":
            self.began = time.perf_counter()
        elif info["generation"] in self.seconds:
            self.seconds[info["generation"]].append(time.perf_counter() - self.began)

    def end(self) -> str:
        """Stop listening; return the collections in words."""
        gc.callbacks.remove(self._note)
        return "; ".join(f"generation {g}: {len(s)}, longest {max(s, default=0) * 1000:,.0f} ms"
                         for g, s in self.seconds.items())


def _timed(client: TestClient, path: str, into: list[float]) -> None:
    """GET ``path`` and add its milliseconds to ``into`` (a failure stops the benchmark)."""
    began = time.perf_counter()
    response = client.get(path)
    into.append((time.perf_counter() - began) * 1000)
    assert response.status_code == 200, (path, response.status_code)


def _pages(client: TestClient, until: float | None, count: int = 0) -> dict[str, list[float]]:
    """Ask for the overview and a terminal's page in turn (a different terminal each time) until ``until``."""
    times: dict[str, list[float]] = {"overview": [], "terminal": []}
    n = 0
    while (time.perf_counter() < until) if until is not None else n < count:
        _timed(client, "/", times["overview"])
        _timed(client, f"/terminals/{name(n * 7919 % TERMINALS)}", times["terminal"])
        n += 1
    return times


def _p99(samples: list[float]) -> float:
    """Return the 99th percentile of ``samples``."""
    return statistics.quantiles(samples, n=100)[98]


def _measure() -> None:
    """Run the fleet at rest, then live without requests, then live with requests."""
    if _results:
        return
    folder = Path(tempfile.mkdtemp(prefix="monitor-live-"))
    gc.collect()
    before = rss_mib()
    monitor = monitor_of(TERMINALS, folder)
    deliver(monitor, messages(0, TERMINALS, TERMINALS))
    monitor.flush()
    assert monitor.alerts is not None
    client = TestClient(create_app(monitor, monitor.alerts, guard_with_accounts(Accounts(monitor.engine))),
                        base_url="https://testserver")
    assert log_in(client, "ops-wang") == 303
    _pages(client, None, 3)  # templates compiled, connections made
    _results["rest"] = _pages(client, None, AT_REST)
    threshold, switching, stages = gc.get_threshold(), sys.getswitchinterval(), Stages(monitor)
    tune_gc()  # as `fleet serve` does
    tune_switching()
    pauses = Pauses()
    try:
        live = Live(monitor)
        stages.take()
        cpu, wall = time.process_time(), time.perf_counter()
        time.sleep(CPU_S)
        _results["cpu"] = (time.process_time() - cpu - live.building) / (time.perf_counter() - wall)
        _results["stages"], _results["flushes"] = stages.take(), list(live.flushes)
        _results["mib"] = rss_mib() - before
        _results["live"] = _pages(client, time.perf_counter() + PAGES_S)
        live.end()
        _results["gc"] = pauses.end()
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        sys.setswitchinterval(switching)
    monitor.engine.dispose()


def _facts() -> dict[str, str]:
    """Return the live figures in words."""
    flushes, live, rest = _results["flushes"], _results["live"], _results["rest"]
    facts = {f"{TERMINALS:,} terminals at a {HEARTBEAT_S} s heartbeat, {CPU_S:.0f} s without requests": (
        f"monitor CPU {_results['cpu']:.0%} of one core (target ≤ 50 %: "
        f"{'met' if _results['cpu'] <= 0.5 else 'MISSED'}), intake included; memory it added "
        f"{_results['mib']:,.0f} MiB (target ≤ 1,536: {'met' if _results['mib'] <= 1536 else 'MISSED'}); "
        f"{len(flushes)} flushes, median {statistics.median(flushes) * 1000:,.0f} ms, "
        f"longest {max(flushes) * 1000:,.0f} ms (the minute's sweeps and checkpoint)"),
        "garbage collections, both windows": _results["gc"],
        "CPU seconds a minute by stage": ", ".join(
            f"{stage} {seconds * 60 / CPU_S:,.2f}" for stage, seconds in _results["stages"].items())}
    for page, target in TARGETS_MS.items():
        p99 = _p99(live[page])
        facts[f"{page} page while it runs"] = (
            f"p50 {statistics.median(live[page]):,.0f} ms, p99 {p99:,.0f} ms over {len(live[page])} requests "
            f"(target < {target} ms: {'met' if p99 < target else 'MISSED'}); at rest p50 "
            f"{statistics.median(rest[page]):,.0f} ms, p99 {_p99(rest[page]):,.0f} ms")
    return facts


def _run(which: str) -> Run:
    """Return the pages asked for in window ``which`` as a whole run (ops = requests)."""
    _measure()
    times = _results[which]
    stages = {page: sum(samples) / 1000 for page, samples in times.items()}
    return Run(sum(len(t) for t in times.values()), sum(stages.values()), stages,
               _facts() if which == "live" else {})


def cases() -> list[RunCase]:
    """Return the live case: the pages while the monitor runs at 100,000 terminals against the pages at rest."""
    return [RunCase("fleet monitor live", lambda: _run("live"), lambda: _run("rest"),
                    f"overview and terminal pages while the monitor runs {TERMINALS:,} terminals",
                    "the same pages, the monitor at rest")]
