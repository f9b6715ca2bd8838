"""The fleet monitor at scale, in process (#27 §1): does a flush cost what changed, or the whole fleet?

Heartbeats are handed to the monitor exactly as paho's network thread hands them (``_on_message``
with an MQTT message of the real schema), so no broker or socket limit caps the fleet: this machine's
file limit stops real connections near 20,000 (bench_fleet.py measures those). For each fleet size
the monitor is built over a central database registering every terminal, every terminal is heard once
and the first flush timed; then flushes after 100, 1,000 and 10,000 heartbeats (the changes), and
after the heartbeats a 30-second interval brings in 5 seconds (a sixth of the fleet), with the
process's CPU time, each flush's stages and the memory the monitor added.

The ratio holds the change fixed: a flush after the same 1,000 heartbeats at the largest fleet
(subject) against the smallest (baseline). A flush whose cost follows the changes gives about 1×.
bench_monitor_live.py runs the largest fleet live: CPU share, memory, and the pages' latency.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import insert

from benchmarks.harness import Run, RunCase
from central.monitor.alerts import AlertBook
from central.monitor.history import History
from central.monitor.monitor import FleetMonitor
from central.platform.database import make_engine
from central.platform.schema import terminals
from demo.devstack import ScratchPki
from demo.simterminal import SimTerminal
from protocol import topics
from protocol.link import Link

SCALES = [int(n) for n in os.environ.get("YC_MONITOR_SCALES", "10000,50000,100000").split(",")]
FLUSHES = int(os.environ.get("YC_MONITOR_FLUSHES", "3"))
CHANGES = (100, 1_000, 10_000)  # heartbeats before a flush: the axis a flush's cost should follow
FIXED = 1_000  # heartbeats before each flush of the ratio
FLUSH_S, HEARTBEAT_S = 5, 30
TEMPLATE = SimTerminal("T0000000", mqtt.Client(CallbackAPIVersion.VERSION2)).heartbeat()
_results: dict[int, dict[Any, Any]] = {}


def monitor_of(count: int, folder: Path) -> FleetMonitor:
    """Return a monitor over a database registering ``count`` terminals, hearing (as a settled one does)."""
    engine = make_engine(f"sqlite:///{folder / f'central-{count}.db'}")
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(terminals), [{"id": name(n), "certificate": "-", "hall": f"hall-{n % 50}",
                                          "site": ("hall", "bank", "village")[n % 3], "registered_at": now}
                                         for n in range(count)])
    pki = ScratchPki(folder / f"pki-{count}")
    cert, key, _ = pki.issue("fleet")  # it never connects: paho only loads the files
    monitor = FleetMonitor(engine, Link("127.0.0.1", 1, str(pki.ca_path), str(cert), str(key)),
                           alerts=AlertBook(lambda e, a: None), history=History(engine), name="bench-monitor-scale")
    monitor.started = True
    monitor.listening_since = datetime.now(UTC) - timedelta(minutes=5)
    return monitor


def name(n: int) -> str:
    """Return terminal number ``n``'s id."""
    return f"T{n:07d}"


def messages(first: int, count: int, fleet: int) -> list[mqtt.MQTTMessage]:
    """Return ``count`` heartbeats, round-robin over the fleet from terminal ``first``, as paho delivers them."""
    out = []
    for n in range(first, first + count):
        terminal = name(n % fleet)
        message = mqtt.MQTTMessage(topic=topics.telemetry(terminal).encode())
        message.payload = TEMPLATE.replace(b"T0000000", terminal.encode())
        out.append(message)
    return out


def deliver(monitor: FleetMonitor, beats: Iterable[mqtt.MQTTMessage]) -> None:
    """Hand each heartbeat to the monitor through paho's own entry point."""
    for message in beats:
        monitor._on_message(monitor.client, None, message)


STAGES = {"registry read": ("monitor", "_registry"), "assess": ("monitor", "_assess"),
          "alert facts": ("monitor", "_facts"), "alert rules": ("alerts", "evaluate"),
          "history": ("history", "observe"), "write": ("monitor", "_write"), "order and counts": ("order", "update")}


class Stages:
    """Seconds spent in each stage of a monitor's flushes, timed by wrapping the methods a flush calls."""

    def __init__(self, monitor: FleetMonitor) -> None:
        """Wrap ``monitor``'s stages (its instance only)."""
        self.seconds: dict[str, float] = {}
        owners = {"monitor": monitor, "alerts": monitor.alerts, "history": monitor.history, "order": monitor.order}
        for stage, (owner, method) in STAGES.items():
            target = owners[owner]
            setattr(target, method, self._timed(stage, getattr(target, method)))

    def _timed(self, stage: str, method: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``method`` adding its thread CPU seconds to ``stage``."""
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds[stage] = self.seconds.get(stage, 0.0) + time.thread_time() - began
        return timed

    def take(self) -> dict[str, float]:
        """Return and reset the seconds per stage (the registry read is counted apart from the assessment)."""
        taken = dict(self.seconds)
        taken["assess"] = taken.get("assess", 0.0) - taken.get("registry read", 0.0)
        self.seconds.clear()
        return taken


def rss_mib() -> float:
    """Return this process's resident memory now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _flush(monitor: FleetMonitor, stages: Stages,
           beats: list[mqtt.MQTTMessage]) -> tuple[float, float, dict[str, float]]:
    """Deliver ``beats`` then flush; return the intake's and the flush's CPU seconds and the flush's stages."""
    cpu = time.process_time()
    deliver(monitor, beats)
    intake, cpu = time.process_time() - cpu, time.process_time()
    stages.take()
    monitor.flush()
    return intake, time.process_time() - cpu, stages.take()


def _scale(count: int, folder: Path) -> dict[Any, Any]:
    """Measure one fleet size."""
    gc.collect()
    before = rss_mib()
    monitor = monitor_of(count, folder)
    stages = Stages(monitor)
    deliver(monitor, messages(0, count, count))
    began = time.process_time()
    monitor.flush()
    first, sent = time.process_time() - began, count
    result: dict[Any, Any] = {"first": first}
    for changes in (*CHANGES, count * FLUSH_S // HEARTBEAT_S):
        runs = []
        for _ in range(FLUSHES):
            runs.append(_flush(monitor, stages, messages(sent, changes, count)))
            sent += changes
        middle = sorted(runs, key=lambda r: r[1])[len(runs) // 2]
        result[changes] = {"intake": middle[0] / changes, "flush": middle[1], "stages": middle[2]}
    result["mib"] = rss_mib() - before
    monitor.engine.dispose()
    return result


def _measure() -> None:
    """Measure every fleet size once per benchmark run."""
    if not _results:
        folder = Path(tempfile.mkdtemp(prefix="monitor-scale-"))
        for count in SCALES:
            _results[count] = _scale(count, folder)


def _facts() -> dict[str, str]:
    """Return each fleet size's figures in words, side by side."""
    facts = {}
    for count, r in _results.items():
        share = count * FLUSH_S // HEARTBEAT_S
        by_changes = " / ".join(f"{r[c]['flush'] * 1000:,.0f}" for c in CHANGES)
        stages = ", ".join(f"{stage} {s * 1000:,.1f}" for stage, s in r[FIXED]["stages"].items())
        facts[f"{count:,} terminals"] = (
            f"first flush {r['first']:.1f} s CPU; flush CPU after {' / '.join(f'{c:,}' for c in CHANGES)} "
            f"heartbeats {by_changes} ms; after a 5 s share ({share:,}) {r[share]['flush'] * 1000:,.0f} ms; "
            f"intake {r[FIXED]['intake'] * 1e6:.0f} µs a heartbeat; the monitor added {r['mib']:,.0f} MiB "
            f"({r['mib'] * 1024 / count:.1f} KiB a terminal); stages of the flush after {FIXED:,} (ms CPU): {stages}")
    return facts


def _run(count: int) -> Run:
    """Return the flush after FIXED heartbeats at ``count`` terminals as a whole run (ops = heartbeats)."""
    _measure()
    fixed = _results[count][FIXED]
    return Run(FIXED, fixed["flush"], fixed["stages"], _facts() if count == max(SCALES) else {})


def cases() -> list[RunCase]:
    """Return the scale case: the same change at the largest fleet against the smallest."""
    return [RunCase("fleet monitor at scale", lambda: _run(max(SCALES)), lambda: _run(min(SCALES)),
                    f"flush after {FIXED:,} heartbeats, {max(SCALES):,} terminals",
                    f"the same at {min(SCALES):,} terminals")]
