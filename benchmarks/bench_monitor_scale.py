"""The fleet monitor at scale, in process (#27 §1): does a flush cost what changed, or the whole fleet?

Heartbeats are handed to the monitor exactly as paho's network thread hands them (``_on_message``
with an MQTT message of the real schema), so no broker or socket limit caps the fleet: this machine's
file limit stops real connections near 20,000 (bench_fleet.py measures those). For each fleet size
the monitor is built over a central database registering every terminal, the first flush is timed,
then each 5-second flush after the heartbeats a 30-second interval brings (a sixth of the fleet),
with the process's CPU time and peak memory.

The ratio holds the change fixed: a flush after the same 1,000 heartbeats at the largest fleet
(subject) against the smallest (baseline). A flush whose cost follows the changes gives about 1×.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
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
FIXED = 1_000  # heartbeats before each flush of the ratio
FLUSH_S, HEARTBEAT_S = 5, 30
_results: dict[int, dict[str, float]] = {}


def _monitor(count: int, folder: Path) -> FleetMonitor:
    """Return a monitor over a database registering ``count`` terminals, hearing (as a settled one does)."""
    engine = make_engine(f"sqlite:///{folder / f'central-{count}.db'}")
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(terminals), [{"id": _name(n), "certificate": "-", "hall": f"hall-{n % 50}",
                                          "registered_at": now} for n in range(count)])
    pki = ScratchPki(folder / f"pki-{count}")
    cert, key, _ = pki.issue("fleet")  # it never connects: paho only loads the files
    monitor = FleetMonitor(engine, Link("127.0.0.1", 1, str(pki.ca_path), str(cert), str(key)),
                           alerts=AlertBook(lambda e, a: None), history=History(engine), name="bench-monitor-scale")
    monitor.started = True
    monitor.listening_since = datetime.now(UTC) - timedelta(minutes=5)
    return monitor


def _name(n: int) -> str:
    """Return terminal number ``n``'s id."""
    return f"T{n:07d}"


def _messages(first: int, count: int, fleet: int) -> list[mqtt.MQTTMessage]:
    """Return ``count`` heartbeats, round-robin over the fleet from terminal ``first``, as paho delivers them."""
    template = SimTerminal("T0000000", mqtt.Client()).heartbeat()
    out = []
    for n in range(first, first + count):
        name = _name(n % fleet)
        message = mqtt.MQTTMessage(topic=topics.telemetry(name).encode())
        message.payload = template.replace(b"T0000000", name.encode())
        out.append(message)
    return out


def _flush(monitor: FleetMonitor, beats: list[mqtt.MQTTMessage]) -> tuple[float, float, float]:
    """Deliver ``beats`` then flush; return intake CPU seconds, flush wall seconds and flush CPU seconds."""
    cpu = time.process_time()
    for message in beats:
        monitor._on_message(monitor.client, None, message)  # paho's own entry point
    intake = time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    monitor.flush()
    return intake, time.perf_counter() - wall, time.process_time() - cpu


def _measure() -> None:
    """Measure every fleet size once per benchmark run."""
    if _results:
        return
    folder = Path(tempfile.mkdtemp(prefix="monitor-scale-"))
    for count in SCALES:
        monitor = _monitor(count, folder)
        began = time.perf_counter()
        monitor.flush()
        first = time.perf_counter() - began
        per_flush = count * FLUSH_S // HEARTBEAT_S
        steady = [_flush(monitor, _messages(i * per_flush, per_flush, count)) for i in range(FLUSHES)]
        fixed = [_flush(monitor, _messages(i * FIXED, FIXED, count))[1] for i in range(FLUSHES)]
        _results[count] = {
            "first": first, "intake": statistics.median(s[0] for s in steady) / per_flush,
            "flush": statistics.median(s[1] for s in steady), "flush_cpu": statistics.median(s[2] for s in steady),
            "fixed": statistics.median(fixed), "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        monitor.engine.dispose()


def _facts() -> dict[str, str]:
    """Return each fleet size's figures in words."""
    facts = {}
    for count, r in _results.items():
        per_flush = count * FLUSH_S // HEARTBEAT_S
        core = (r["flush_cpu"] + r["intake"] * per_flush) / FLUSH_S * 100
        facts[f"{count:,} terminals"] = (
            f"first flush {r['first']:.1f} s; a 5 s flush after {per_flush:,} heartbeats {r['flush'] * 1000:,.0f} ms "
            f"(CPU {r['flush_cpu'] * 1000:,.0f} ms), intake {r['intake'] * 1e6:.0f} µs a heartbeat: "
            f"{core:.0f} % of one core (target ≤ 50 % at 100,000); after {FIXED:,} heartbeats "
            f"{r['fixed'] * 1000:,.0f} ms; peak memory {r['rss_mib']:,.0f} MiB (process so far)")
    return facts


def _run(count: int) -> Run:
    """Return the flushes after FIXED heartbeats at ``count`` terminals as a whole run (ops = heartbeats)."""
    _measure()
    return Run(FIXED, _results[count]["fixed"], {}, _facts() if count == max(SCALES) else {})


def cases() -> list[RunCase]:
    """Return the scale case: the same change at the largest fleet against the smallest."""
    return [RunCase("fleet monitor at scale", lambda: _run(max(SCALES)), lambda: _run(min(SCALES)),
                    f"flush after {FIXED:,} heartbeats, {max(SCALES):,} terminals",
                    f"the same at {min(SCALES):,} terminals")]
