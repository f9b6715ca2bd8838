"""Fleet scale: 10 000 simulated terminals at a 30 s heartbeat, the monitor's API under that load, and its ceiling.

Everything runs as in production, from the generated broker configuration (TLS, client
certificates, ACL): `sim fleet` (its own process) connects N terminals with their own
certificates, `fleet serve --http` (its own process) watches them, and the benchmark samples the
fleet overview API once a second and the full terminal list every ten seconds during a steady
window, reading the monitor's CPU and memory from /proc. Then the ceiling: one publisher process
sends heartbeats as fast as the broker takes them, and the monitor's rate of taking them is
compared with a bare paho subscriber's (mosquitto's own delivery rate) measured in the same run.
Set YC_FLEET_TERMINALS, YC_FLEET_BURST and YC_FLEET_STEADY_S for a shorter run; YC_FLEET_TERMINALS=max
runs the largest fleet this machine's open-file limit and ephemeral ports allow (see _largest_fleet).
"""

from __future__ import annotations

import getpass
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.harness import Run, RunCase
from central.auth.accounts import Accounts
from central.monitor.alerts import AlertBook
from central.monitor.history import History
from central.monitor.monitor import FleetMonitor
from central.platform.database import make_engine
from demo.devstack import start_mosquitto
from demo.ports import free_port, free_port_pair
from protocol import topics
from protocol.link import Link, tls_client
from provisioning import pki
from provisioning.broker import write_broker_config
from provisioning.service import service_link
from tests.central.dashboard.helpers import PASSWORD, log_in

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "fleet"
SPARE_FDS = 256  # the broker's and the simulator's own files, listeners, the monitor's and the burst's links
BURST = int(os.environ.get("YC_FLEET_BURST", "60000"))
STEADY_S = float(os.environ.get("YC_FLEET_STEADY_S", "60"))
HEARTBEAT_S = 30
OVERVIEW_TARGET_MS = 300.0
TERMINAL_TARGET_MS = 100.0  # as bench_monitor_live
PORT_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
PASSPHRASE = "bench fleet passphrase"  # noqa: S105 - a throwaway CA for the benchmark
TICKS = os.sysconf("SC_CLK_TCK")


def _raise_file_limit() -> None:
    """Let this process and its children (broker, simulator) hold as many sockets as the hard limit allows."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _largest_fleet() -> int:
    """Return the most terminals one broker and one simulator hold here: one fd each per link, one port per link."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low, high = (int(n) for n in PORT_RANGE.read_text().split())
    fds = hard if hard != resource.RLIM_INFINITY else 1 << 20
    return min(fds, high - low + 1) - SPARE_FDS


def _terminals(asked: str) -> int:
    """Return the fleet size from YC_FLEET_TERMINALS: a count, or `max` for the largest this machine allows."""
    return _largest_fleet() if asked == "max" else int(asked)


TERMINALS = _terminals(os.environ.get("YC_FLEET_TERMINALS", "10000"))


@contextmanager
def _broker(name: str) -> Iterator[tuple[Path, int, int]]:
    """Run mosquitto from the generated configuration; yield the CA folder, the public port and the broker's pid.

    Its services listener is on the next port (see _services).
    """
    _raise_file_limit()
    ca = WORK / "ca"
    if not (ca / "chain.pem").exists():
        shutil.rmtree(ca, ignore_errors=True)
        pki.init_ca(ca, PASSPHRASE.encode(), ("127.0.0.1",))
    shutil.rmtree(WORK / name, ignore_errors=True)
    port = free_port_pair()
    conf = write_broker_config(ca, WORK / name / "broker", port=port, bind="127.0.0.1", services_port=port + 1,
                               run_as=getpass.getuser())
    process = start_mosquitto(conf, port)
    try:
        yield ca, port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _services(ca: Path, port: int, user: str) -> Link:
    """Return service ``user``'s login on the services listener of the broker whose public port is ``port``."""
    return service_link(ca, "127.0.0.1", port + 1, user)


def _burst(ca: Path, port: int) -> None:
    """Publish BURST heartbeats for TERMINALS terminals from a process of their own."""
    spec = WORK / "burst.json"
    spec.write_text(json.dumps({"link": asdict(_services(ca, port, "central")), "count": BURST,
                                "terminals": TERMINALS, "prefix": "LD"}))
    subprocess.run([sys.executable, "-m", "benchmarks.fleet_load", str(spec)], cwd=ROOT, check=True,  # noqa: S603
                   timeout=900, capture_output=True)


def _rate(count: Callable[[], int], expected: int) -> tuple[int, float]:
    """Watch ``count`` until it reaches ``expected`` or stops moving for 3 s; return it and first-to-last seconds."""
    first = last = None
    seen, deadline = 0, time.perf_counter() + 120
    while True:
        now, value = time.perf_counter(), count()
        if not value and now > deadline:
            raise RuntimeError("nothing arrived in 120 s: the burst was refused or went elsewhere")
        if value and first is None:
            first = now
        if value != seen:
            seen, last = value, now
        if value >= expected or (last is not None and now - last > 3):
            break
        time.sleep(0.02)
    return seen, (last or 0.0) - (first or 0.0)


def _raw_subscriber() -> Run:
    """Baseline: a bare paho subscriber with the fleet identity, counting the same burst."""
    with _broker("baseline") as (ca, port, _):
        received = [0]
        ready = threading.Event()
        client = tls_client("bench-raw", _services(ca, port, "fleet"))
        client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"{topics.PREFIX}/+/telemetry", 0)
        client.on_subscribe = lambda c, u, mid, codes, p: ready.set()

        def count(c: mqtt.Client, u: object, message: mqtt.MQTTMessage) -> None:
            received[0] += 1
        client.on_message = count
        client.connect_async("127.0.0.1", port + 1)  # the services listener: the public one denies service users
        client.loop_start()
        if not ready.wait(30):
            raise RuntimeError("the bare subscriber did not subscribe on the services listener")
        threading.Thread(target=_burst, args=(ca, port), daemon=True).start()
        n, seconds = _rate(lambda: received[0], BURST)
        client.disconnect()
        client.loop_stop()
    return Run(n, seconds, {})


def _cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU seconds so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _rss_mib(pid: int) -> float:
    """Return a process's resident memory in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _heartbeats(metrics_port: int) -> float:
    """Return the monitor's heartbeat counter from /metrics (on its listener of its own)."""
    scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30).text
    for family in text_string_to_metric_families(scraped):
        if family.name == "yichuang_heartbeats":
            return float(family.samples[0].value)
    return 0.0


def _timed_get(http: httpx.Client, path: str, into: list[float]) -> httpx.Response:
    """GET ``path``, add its milliseconds to ``into``, return the answer (an error status raises)."""
    began = time.perf_counter()
    response = http.get(path)
    into.append((time.perf_counter() - began) * 1000)
    return response.raise_for_status()


def _listed(http: httpx.Client, into: list[float], names: list[str]) -> int:
    """Walk /api/terminals in its largest pages (page times into ``into``, ids into ``names``); return the rows."""
    rows, after = 0, None
    names.clear()
    while True:
        page = _timed_get(http, "/api/terminals?limit=2000" + (f"&after={after}" if after else ""), into).json()
        names.extend(row["terminal"] for row in page["terminals"])
        rows, after = rows + len(page["terminals"]), page["next"]
        if after is None:
            return rows


def _ms(samples: list[float]) -> str:
    """Render the median and the 99th percentile of millisecond samples."""
    p99 = statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else samples[0]
    return f"p50 {statistics.median(samples):.0f} ms, p99 {p99:.0f} ms over {len(samples)} requests"


def _yichuang(*args: str) -> list[str]:
    """Return the command line of our own CLI."""
    return [sys.executable, str(ROOT / "main.py"), *args]


def _log_in(http: httpx.Client, db_url: str) -> None:
    """Create a viewer account and log in with it once `fleet serve` answers (the API wants a session)."""
    Accounts(make_engine(db_url)).add("bench", "viewer", PASSWORD, datetime.now(UTC))
    deadline = time.monotonic() + 60
    while True:
        try:
            if log_in(http, "bench", PASSWORD) == 303:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("fleet serve did not answer on its HTTP port within a minute")
        time.sleep(0.5)


def _steady(ca: Path, port: int, broker_pid: int, db_url: str) -> dict[str, str]:
    """Run the simulator and `fleet serve`; measure start-up, CPU, memory and API latency in a steady window."""
    fleet = _services(ca, port, "fleet")
    url, http_port, metrics_port = f"mqtts://127.0.0.1:{port}", free_port(), free_port()
    monitor = subprocess.Popen(_yichuang(  # noqa: S603
        "fleet", "serve", "--broker", f"mqtts://127.0.0.1:{fleet.port}", "--ca", fleet.ca, "--cert", fleet.cert,
        "--key", fleet.key,
        "--interval", str(HEARTBEAT_S), "--http", f"127.0.0.1:{http_port}", "--insecure-cookies",
        "--metrics", f"127.0.0.1:{metrics_port}", "--db", db_url),
        cwd=ROOT)
    began = time.perf_counter()
    sim = subprocess.Popen(_yichuang(  # noqa: S603
        "sim", "fleet", "--terminals", str(TERMINALS), "--broker", url, "--ca-dir", str(ca), "--heartbeat",
        str(HEARTBEAT_S), "--seconds", "100000", "--work", str(WORK / "sims"), "--db", db_url), cwd=ROOT,
        env={**os.environ, "YC_CA_PASSPHRASE": PASSPHRASE})
    http = httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=30)
    try:
        _log_in(http, db_url)
        startup = _wait_all_up(http, sim, began)
        times: dict[str, list[float]] = {"overview": [], "listing": [], "page": [], "terminal": []}
        cpu0, beats0, t0 = _cpu_seconds(monitor.pid), _heartbeats(metrics_port), time.perf_counter()
        elapsed, rss = _sample(http, times, t0, monitor.pid)
        cpu = (_cpu_seconds(monitor.pid) - cpu0) / elapsed
        rate = (_heartbeats(metrics_port) - beats0) / elapsed
        memory = (max(rss), _rss_mib(broker_pid), _rss_mib(sim.pid))
        connected = _connected(http)
    finally:
        http.close()
        sim.terminate()
        sim.wait(timeout=60)
        monitor.terminate()
        monitor.wait(timeout=60)
    return {
        f"{TERMINALS:,} terminals at a {HEARTBEAT_S} s heartbeat": (
            f"{connected:,} connected (online or degraded at the window's end), all up {startup:.0f} s after the "
            f"simulator started (certificates, registration, TLS handshakes); {rate:,.0f} heartbeats/s; "
            f"monitor CPU {cpu:.0%} of one core, memory (peak RSS in the window) {memory[0]:.0f} MiB; "
            f"broker {memory[1]:.0f} MiB; simulator {memory[2]:.0f} MiB"),
        "fleet overview API (/api/overview) in that window": _against(times["overview"], OVERVIEW_TARGET_MS),
        f"terminal list, a page of 2,000 rows (/api/terminals, {TERMINALS:,} walked)": _ms(times["listing"]),
        "a terminal's page (HTML /terminals/<id>, a different terminal each second)": (
            _against(times["terminal"], TERMINAL_TARGET_MS)),
        "dashboard overview's live part (HTML: counts, the first 200 terminals, needing action first)": (
            _against(times["page"], OVERVIEW_TARGET_MS)),
    }


def _sample(http: httpx.Client, times: dict[str, list[float]], t0: float, pid: int) -> tuple[float, list[float]]:
    """Ask for the overview, a terminal's page, the list and the live part for STEADY_S; return seconds, RSS MiB."""
    names: list[str] = []
    rss: list[float] = []
    while (elapsed := time.perf_counter() - t0) < STEADY_S:
        n = len(times["overview"])
        _timed_get(http, "/api/overview", times["overview"])
        if n % 10 == 0:
            assert _listed(http, times["listing"], names) >= TERMINALS
        _timed_get(http, f"/terminals/{names[n * 7919 % len(names)]}", times["terminal"])
        if n % 3 == 1:  # what an open dashboard tab asks for every 3 s
            assert 'id="live"' in _timed_get(http, "/fragments/overview", times["page"]).text
        rss.append(_rss_mib(pid))
        time.sleep(max(0.0, n + 1 - (time.perf_counter() - t0)))
    return elapsed, rss


def _connected(http: httpx.Client) -> int:
    """Return how many terminals the monitor holds as online or degraded."""
    states = http.get("/api/overview", params={"limit": 0}).raise_for_status().json()["by_state"]
    return int(states.get("online", 0) + states.get("degraded", 0))


def _against(samples: list[float], target_ms: float) -> str:
    """Render millisecond samples and whether their p99 meets ``target_ms``."""
    p99 = statistics.quantiles(samples, n=100)[98] if len(samples) > 1 else samples[0]
    return f"{_ms(samples)}; target < {target_ms:.0f} ms {'met' if p99 < target_ms else 'MISSED'}"


def _wait_all_up(http: httpx.Client, sim: subprocess.Popen[bytes], began: float) -> float:
    """Wait until the monitor holds every simulated terminal and nearly all are up; return the seconds taken."""
    while True:
        if sim.poll() is not None:
            raise RuntimeError(f"the simulator exited with {sim.returncode}")
        try:
            states = http.get("/api/overview", params={"limit": 0}).json()["by_state"]
        except httpx.TransportError:
            states = {}
        up = states.get("online", 0) + states.get("degraded", 0)
        if sum(states.values()) >= TERMINALS and up >= TERMINALS * 0.98:
            return time.perf_counter() - began
        if time.perf_counter() - began > 1800:
            raise RuntimeError(f"only {states} after 30 minutes")
        time.sleep(2)


def _monitor_ceiling(ca: Path, port: int, db_url: str) -> tuple[int, float]:
    """Subject of the ratio: the monitor (flushing every 5 s as `fleet serve` does) taking the same burst."""
    engine = make_engine(db_url)
    monitor = FleetMonitor(engine, _services(ca, port, "fleet"), alerts=AlertBook(lambda e, a: None),
                           history=History(engine), name="bench-monitor")
    monitor.start()
    monitor.ready.wait(10)
    assert monitor.listening_since is not None
    monitor.listening_since -= timedelta(minutes=5)  # flush as a settled monitor does (alert rules and history too)
    stop = threading.Event()

    def flushing() -> None:
        while not stop.wait(5):
            monitor.flush()
    threading.Thread(target=flushing, daemon=True).start()
    threading.Thread(target=_burst, args=(ca, port), daemon=True).start()
    try:
        return _rate(lambda: monitor.heartbeats, BURST)
    finally:
        stop.set()
        monitor.stop()


def _fleet() -> Run:
    """Subject: the steady window at TERMINALS terminals, then the monitor's ceiling."""
    with _broker("subject") as (ca, port, broker_pid):
        db_url = f"sqlite:///{WORK / 'subject' / 'central.db'}"
        facts = _steady(ca, port, broker_pid, db_url)
        taken, seconds = _monitor_ceiling(ca, port, db_url)
    ceiling = taken / seconds
    facts["one node's ceiling"] = (f"{ceiling:,.0f} heartbeats/s taken in a burst of {BURST:,} "
                                   f"≈ {ceiling * HEARTBEAT_S:,.0f} terminals at a {HEARTBEAT_S} s heartbeat")
    return Run(taken, seconds, {}, facts)


def cases() -> list[RunCase]:
    """Return the fleet case."""
    return [RunCase(f"fleet monitor, {TERMINALS:,} terminals", _fleet, _raw_subscriber,
                    "monitor takes heartbeats (parse, assess, flush)", "bare paho subscriber, same burst")]
