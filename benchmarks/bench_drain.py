"""End-to-end drain: 10 000 queued applications, terminal store → broker → central DB → ack → terminal store.

The baseline is raw paho publishing the same number of payloads of the same size with QoS 1 to
the same broker (each PUBACK awaited), in the same run. Central runs as two ingest processes of one
thread each on the shared subscription (what `central serve --workers 2`, the systemd unit's setting,
runs; the bench starts its timed copies itself), as in production, where central and terminal never
share a CPU (here they share two cores). Stage times are summed over processes: they overlap, so
central's stages can add up to more than the wall time per application.
The CPU line gives each process's CPU time per application (read from /proc; central's copies summed;
PostgreSQL's counts every server process, other users' too) beside the CPU two cores give in the
drain's time. Set YC_DRAIN_COUNT for a shorter run; YC_DRAIN_PROCESSES and YC_DRAIN_WORKERS change
central's processes and the threads in each (measured here: a second thread in one process costs ~30 %
more central CPU per application and is slower; a second process lets one copy check while the other
waits for its commit: 1.56× and 1.60× raw paho with SQLite and PostgreSQL where one process gave
1.74× and 2.04×).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.bench_store import ANSWERS
from benchmarks.harness import Run, RunCase
from central.platform import keys
from central.platform.database import make_engine
from central.platform.registry import Registry
from demo.devstack import CENTRAL_USER, Mosquitto, postgres_schema, private_broker
from domain.application import Draft
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from kiosk.services.submit import submit_application
from kiosk.store import outbox
from kiosk.store.keys import KeyFileProvider
from kiosk.store.opening import open_store
from protocol import topics, uplink_v2
from protocol.link import tls_client
from sync.agent import SyncAgent
from sync.keys import load_terminal_keys

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "drain"
COUNT = int(os.environ.get("YC_DRAIN_COUNT", "10000"))
PROCESSES = int(os.environ.get("YC_DRAIN_PROCESSES", "2"))  # central ingest processes (`central serve --workers`)
WORKERS = int(os.environ.get("YC_DRAIN_WORKERS", "1"))  # ingest threads in each (as `central serve` runs them)
POSTGRES = os.environ.get("YC_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _queued_store() -> Path:
    """Make (once per run) a terminal store holding COUNT queued applications; return its folder."""
    folder = WORK / f"queued-{COUNT}"
    if (folder / "ready").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    catalog = load_catalog(SAMPLE_CATALOG)
    store = open_store(folder / "store.db", KeyFileProvider(folder / "store.key"))
    start = datetime.now(UTC)
    for n in range(COUNT):  # spread over days: one day's receipt numbers stop at 9 999
        submit_application(store, catalog=catalog, hall=catalog.halls["lc-center"], terminal_id="LC0001",
                           draft=Draft(catalog.offering("SB-001"), ANSWERS), now=start - timedelta(days=n // 5000))
    store.close()
    (folder / "ready").touch()
    return folder


@contextmanager
def _central(broker: Mosquitto, db_url: str, keys_dir: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Run central's timed ingest processes (PROCESSES, one worker each); yield them once all are subscribed."""
    spec = keys_dir.parent / "central.json"
    spec.write_text(json.dumps({"db": db_url, "keys": str(keys_dir), "link": asdict(broker.link(CENTRAL_USER)),
                                "workers": WORKERS}))
    processes = [subprocess.Popen([sys.executable, "-m", "benchmarks.drain_central", str(spec)],  # noqa: S603
                                  stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(PROCESSES)]
    try:
        for process in processes:
            assert process.stdout is not None
            if process.stdout.readline().strip() != "ready":
                raise RuntimeError("central did not start")
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def _timed(stages: dict[str, float], name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``func`` so its time adds to ``stages[name]``."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            stages[name] = stages.get(name, 0.0) + time.perf_counter() - began
    return wrapper


def _cpu(pid: int) -> float:
    """Return the CPU seconds (user and system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> float:
    """Return the CPU seconds every PostgreSQL server process has used so far (other users of the server too)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().split(" ", 2)[1] == "(postgres)":
                total += _cpu(int(stat.parent.name))
        except (OSError, ValueError):  # ended meanwhile
            continue
    return total


def _cpu_fact(spent: dict[str, float], seconds: float) -> dict[str, str]:
    """Describe the CPU each process spent per application beside what two cores give in the drain's time."""
    parts = ", ".join(f"{name} {cpu / COUNT * 1e6:,.0f}" for name, cpu in spent.items())
    return {"CPU µs per application by process": f"{parts}; total {sum(spent.values()) / COUNT * 1e6:,.0f} "
            f"of the {2 * seconds / COUNT * 1e6:,.0f} two cores give in the drain's time"}


def _drain(db_url: str) -> Run:
    """Drain a copy of the queued store into central at ``db_url``."""
    with private_broker(WORK / "subject") as broker:
        folder = WORK / "subject" / "terminal"
        shutil.copytree(_queued_store(), folder)
        keys_dir = WORK / "subject" / "central-keys"
        keys.generate(keys_dir)
        link = broker.link("LC0001")
        Registry(make_engine(db_url)).add("LC0001", Path(link.cert).read_bytes())
        store = open_store(folder / "store.db", KeyFileProvider(folder / "store.key"))
        stages: dict[str, float] = {}
        patched = {"seal": uplink_v2.seal, "pack": uplink_v2.pack}
        uplink_v2.seal = _timed(stages, "terminal encrypt", uplink_v2.seal)  # type: ignore[assignment]
        uplink_v2.pack = _timed(stages, "terminal sign (one per bundle)", uplink_v2.pack)  # type: ignore[assignment]
        originals = (outbox.payloads, outbox.ack_many)
        outbox.payloads = _timed(stages, "terminal decrypt from store", outbox.payloads)  # type: ignore[assignment]
        outbox.ack_many = _timed(stages, "terminal ack commit", outbox.ack_many)  # type: ignore[assignment]
        try:
            with _central(broker, db_url, keys_dir) as centrals:
                terminal_keys = load_terminal_keys(Path(link.key), keys_dir / "uplink.pub", keys_dir / "ack.pub")
                agent = SyncAgent(store, "LC0001", terminal_keys, link, window=200, ack_timeout=timedelta(minutes=5))
                agent.client.publish = _timed(stages, "terminal publish", agent.client.publish)  # type: ignore[method-assign]
                agent.start()
                agent.connected.wait(10)
                assert broker.process is not None
                pids = {"central": [c.pid for c in centrals], "broker": [broker.process.pid]}
                before = {name: sum(map(_cpu, ids)) for name, ids in pids.items()}
                before |= {"terminal": time.process_time(), "PostgreSQL": _postgres_cpu()}
                began = time.perf_counter()
                if not agent.run_until_drained(600):
                    raise RuntimeError("the drain did not finish")
                seconds = time.perf_counter() - began
                after = {name: sum(map(_cpu, ids)) for name, ids in pids.items()}
                after |= {"terminal": time.process_time(), "PostgreSQL": _postgres_cpu()}
                used = {name: after[name] - before[name] for name in before if after[name] > before[name]}
                agent.stop()
                for central in centrals:
                    central.terminate()
                for central in centrals:
                    stdout, _ = central.communicate(timeout=60)
                    for stage, spent in json.loads(stdout.strip().splitlines()[-1]).items():
                        stages[stage] = stages.get(stage, 0.0) + spent
        finally:
            uplink_v2.seal, uplink_v2.pack = patched["seal"], patched["pack"]  # type: ignore[assignment]
            outbox.payloads, outbox.ack_many = originals  # type: ignore[assignment]
            store.close()
        return Run(COUNT, seconds, stages, _cpu_fact(used, seconds))


def _envelope_size() -> int:
    """Return the size of one sealed application envelope of the queued store."""
    folder = _queued_store()
    store = open_store(folder / "store.db", KeyFileProvider(folder / "store.key"))
    entry = outbox.pending(store, limit=1)[0]
    size = len(outbox.payload(store, entry))
    store.close()
    return size + 330  # protocol v2: framing, header, encryption parameters and tag (the signature is per bundle)


def _raw_publish() -> Run:
    """Publish COUNT payloads of the envelope's size with QoS 1 and wait for every PUBACK."""
    payload = os.urandom(_envelope_size())
    with private_broker(WORK / "baseline") as broker:
        client = tls_client("LC0001-raw", broker.link("LC0001"))
        client.connect(broker.link("LC0001").host, broker.port)
        client.loop_start()
        began = time.perf_counter()
        infos = [client.publish(topics.up("LC0001", "application"), payload, qos=1) for _ in range(COUNT)]
        for info in infos:
            info.wait_for_publish(60)
        seconds = time.perf_counter() - began
        client.loop_stop()
        client.disconnect()
    return Run(COUNT, seconds, {})


def _drain_sqlite() -> Run:
    """Drain into an SQLite central."""
    path = WORK / "central.db"
    for stale in WORK.glob("central.db*"):
        stale.unlink()
    return _drain(f"sqlite:///{path}")


def _drain_postgres() -> Run:
    """Drain into a PostgreSQL central."""
    with postgres_schema(POSTGRES, prefix="bench") as url:
        return _drain(url)


def cases() -> list[RunCase]:
    """Return the drain cases: SQLite and PostgreSQL at central."""
    label = f"raw paho QoS 1 publish, same sizes, {COUNT:,} messages"
    central = f"{PROCESSES} central process{'es' if PROCESSES > 1 else ''}"
    return [
        RunCase(f"drain {COUNT:,} applications, SQLite central", _drain_sqlite, _raw_publish,
                f"outbox → envelope → broker → {central}, SQLite → signed ack → outbox", label, (0.0, 1 / 0.6)),
        RunCase(f"drain {COUNT:,} applications, PostgreSQL central", _drain_postgres, _raw_publish,
                f"outbox → envelope → broker → {central}, PostgreSQL → signed ack → outbox", label, (0.0, 1 / 0.6)),
    ]
