"""A catalog release reaching 1,000 simulated terminals through the real broker, and what a one-item change costs.

Subject: central pushes a signed release of the sample catalog (`central catalog publish --broker`);
every simulated terminal runs the real fetcher (sync/catalog.py) over its own TLS connection into
its own release store: manifest verified, only missing chunks fetched, each hashed and written,
the release rebuilt, checked and staged. The time is until 99 % of the terminals have staged it.
Baseline: the same bytes fanned out by raw paho to the same clients (retained QoS 1 messages on one
topic each client subscribes to), until 99 % hold them all — no verification, hashing or disk.
Afterwards a one-item change is pushed and the broker bytes each terminal received are compared
with the full release. All terminals share this machine's two cores (in a hall each has its own),
so the subject's time is mostly 1,000 terminals' hashing and disk work done one after another.
Set YC_RELEASE_TERMINALS for a smaller fleet.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ed25519

from benchmarks.harness import Run, RunCase
from central.platform.distribution import push
from central.platform.releases import publish_release
from demo.devstack import CENTRAL_USER, Mosquitto, private_broker
from demo.simulator import attach
from domain.data import SAMPLE_CATALOG
from kiosk.store.releases import ReleaseStore
from protocol import topics
from protocol.link import Link, tls_client
from sync.catalog import CatalogFetcher

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench" / "release"
COUNT = int(os.environ.get("YC_RELEASE_TERMINALS", "1000"))
HALL = "lc-center"
RAW = "yc/v1/catalog/chunk/raw"  # the baseline's topic prefix (inside the terminals' read ACL)


class Quiet:
    """A simulated terminal's event log: refusals are counted (a refusal in a benchmark is a bug)."""

    refusals = 0

    def record_event(self, kind: str, severity: str, detail: dict[str, Any]) -> None:
        """Count a refusal."""
        Quiet.refusals += 1


@dataclass
class Terminal:
    """One simulated terminal: its MQTT client and its fetcher."""

    client: mqtt.Client
    fetcher: CatalogFetcher


class Network:
    """One asyncio loop on its own thread driving every simulated terminal's socket (paho's external loop API).

    A thread per paho client does not scale to a thousand in one Python process: keepalives are
    missed and the broker drops them. The demo's fleet simulator drives its terminals the same way.
    """

    def __init__(self) -> None:
        """Start the loop and its keepalive round."""
        self.loop = asyncio.new_event_loop()
        self.clients: list[mqtt.Client] = []
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-network", daemon=True)
        self.thread.start()
        self.loop.call_soon_threadsafe(self._misc)

    def _misc(self) -> None:
        """Keepalive pings and retries, every second."""
        for client in list(self.clients):
            client.loop_misc()
        self.loop.call_later(1.0, self._misc)

    def connect(self, client: mqtt.Client, host: str, port: int) -> None:
        """Connect ``client`` (its TLS handshake on the calling thread), then let the loop drive it."""
        attach(client, self.loop)
        client.connect(host, port)
        self.loop.call_soon_threadsafe(self.clients.append, client)

    def close(self) -> None:
        """Disconnect every client and stop the loop."""
        for client in self.clients:
            self.loop.call_soon_threadsafe(client.disconnect)
        time.sleep(1)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _clients(broker: Mosquitto, network: Network, on_connect: Callable[[int, mqtt.Client], None],
             setup: Callable[[int, mqtt.Client], None]) -> list[mqtt.Client]:
    """Connect COUNT terminals, each with its own certificate, one handshake at a time."""
    clients = []
    for n in range(COUNT):
        client = tls_client(f"LC{n:04d}", broker.link(f"LC{n:04d}"))
        setup(n, client)
        client.on_connect = lambda c, u, f, r, p, n=n: on_connect(n, c)
        network.connect(client, "127.0.0.1", broker.port)
        clients.append(client)
    return clients


def _until(done: Callable[[], int], target: int, work: Callable[[], None], limit: float = 900) -> float:
    """Call ``work`` until ``done()`` reaches ``target``; return the seconds it took."""
    began = time.perf_counter()
    while done() < target:
        if time.perf_counter() - began > limit:
            raise RuntimeError(f"only {done()} of {target} got there in {limit:.0f} s")
        work()
    return time.perf_counter() - began


def _changed(source: Path) -> Path:
    """A copy of the sample catalog with a new version and one item's promised days changed."""
    target = WORK / "changed"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    meta = target / "catalog.toml"
    text = meta.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("version"))
    meta.write_text(text.replace(old, 'version = "2026.12-bench"'), encoding="utf-8")
    item = target / "items" / "tax.toml"
    item.write_text(item.read_text(encoding="utf-8").replace("promised_limit_days = 0", "promised_limit_days = 1", 1),
                    encoding="utf-8")
    return target


def _pump(terminals: list[Terminal], serial: int) -> Callable[[], None]:
    """Return one turn over every terminal's fetcher (what each terminal's agent does on its own CPU)."""
    def turn() -> None:
        for terminal in terminals:
            if terminal.fetcher.staged_serial < serial:
                terminal.fetcher.step(terminal.client)
        time.sleep(0.01)
    return turn


def _release(key: ed25519.Ed25519PrivateKey, source: Path, central: Link,
             terminals: list[Terminal]) -> tuple[float, float]:
    """Publish and push ``source``; return the seconds to 99 % staged and the mean bytes a terminal received."""
    manifest, folder = publish_release(source, WORK / "archive", key, (HALL,), datetime.now(UTC))
    before = sum(t.fetcher.received_bytes for t in terminals)
    began = time.perf_counter()
    push(central, folder, (HALL,))
    _until(lambda: sum(t.fetcher.staged_serial >= manifest.serial for t in terminals), int(COUNT * 0.99),
           _pump(terminals, manifest.serial))
    seconds = time.perf_counter() - began
    return seconds, (sum(t.fetcher.received_bytes for t in terminals) - before) / COUNT


def _connected_fleet(broker: Mosquitto, network: Network, fetchers: list[CatalogFetcher]) -> list[Terminal]:
    """Connect a terminal per fetcher; return them once every one has subscribed to its hall's manifest."""
    ready: set[int] = set()
    connected = threading.Event()

    def on_connect(n: int, client: mqtt.Client) -> None:
        fetchers[n].connected(client)
        ready.add(n)
        if len(ready) == COUNT:
            connected.set()
    clients = _clients(broker, network, on_connect, lambda n, client: fetchers[n].attach(client))
    if not connected.wait(300):
        raise RuntimeError(f"only {len(ready)} terminals connected")
    return [Terminal(client, fetcher) for client, fetcher in zip(clients, fetchers, strict=True)]


def _subject() -> Run:
    """The release to COUNT terminals, then a one-item change."""
    key = ed25519.Ed25519PrivateKey.generate()
    with private_broker(WORK / "subject") as broker:
        fetchers = [CatalogFetcher(ReleaseStore(WORK / "subject" / "t" / str(n)), key.public_key(), HALL, Quiet())
                    for n in range(COUNT)]
        network = Network()
        try:
            terminals = _connected_fleet(broker, network, fetchers)
            full_s, full_bytes = _release(key, SAMPLE_CATALOG, broker.link(CENTRAL_USER), terminals)
            change_s, change_bytes = _release(key, _changed(SAMPLE_CATALOG), broker.link(CENTRAL_USER), terminals)
        finally:
            network.close()
    facts = {"terminals": f"{COUNT:,}", "full release: seconds to 99 % staged": f"{full_s:.1f}",
             "one-item change: seconds to 99 % staged": f"{change_s:.1f}",
             "broker bytes per terminal, full release": f"{full_bytes / 1024:,.1f} KiB",
             "broker bytes per terminal, one-item change": f"{change_bytes / 1024:,.1f} KiB "
                                                           f"({100 * change_bytes / full_bytes:.0f} %)",
             "refused releases (must be 0)": str(Quiet.refusals)}
    return Run(COUNT, full_s, {}, facts)


def _raw_payloads() -> list[bytes]:
    """The full release's bytes (chunks and manifest), as the subject's first push sends them."""
    _, folder = publish_release(SAMPLE_CATALOG, WORK / "raw-archive", ed25519.Ed25519PrivateKey.generate(), (HALL,),
                                datetime.now(UTC))
    return [p.read_bytes() for p in sorted((folder / "chunks").iterdir())] + [(folder / "manifest.json").read_bytes()]


def _baseline() -> Run:
    """The same bytes fanned out by raw paho: retained QoS 1 messages every client subscribes to."""
    payloads = _raw_payloads()
    with private_broker(WORK / "baseline") as broker:
        held = [0] * COUNT
        ready, subscribed = threading.Event(), set[int]()

        def on_connect(n: int, client: mqtt.Client) -> None:
            client.subscribe(f"{RAW}/#", qos=1)
            subscribed.add(n)
            if len(subscribed) == COUNT:
                ready.set()

        def count(n: int, client: mqtt.Client) -> None:
            client.message_callback_add(f"{RAW}/#", lambda c, u, m: held.__setitem__(n, held[n] + 1))
        network = Network()
        _clients(broker, network, on_connect, count)
        if not ready.wait(300):
            network.close()
            raise RuntimeError(f"only {len(subscribed)} of the baseline's terminals connected")
        time.sleep(1)  # let the last SUBACKs land
        sender = tls_client(topics.service_client_id("central", "bench-raw"), broker.link(CENTRAL_USER))
        sender.connect("127.0.0.1", broker.link(CENTRAL_USER).port)
        sender.loop_start()
        began = time.perf_counter()
        for n, payload in enumerate(payloads):
            sender.publish(f"{RAW}/{n}", payload, qos=1, retain=True).wait_for_publish(60)
        _until(lambda: sum(h >= len(payloads) for h in held), int(COUNT * 0.99), lambda: time.sleep(0.01))
        seconds = time.perf_counter() - began
        sender.disconnect()
        sender.loop_stop()
        network.close()
    return Run(COUNT, seconds, {}, {})


def cases() -> list[RunCase]:
    """The release fan-out against raw paho fan-out of the same bytes."""
    return [RunCase(f"catalog release to 99 % of {COUNT:,} terminals (per terminal)", _subject, _baseline,
                    "signed release: verify, fetch missing chunks, hash, stage", "raw paho fan-out of the same bytes")]
