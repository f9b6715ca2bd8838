"""A fleet of headless simulated terminals on one asyncio loop: real TLS certificates, presence, heartbeats.

Each terminal is a paho client driven by the event loop (paho's external-loop API: the loop
watches the sockets, no thread per client), with its own certificate from the given CA, the
retained presence and will of the real sync agent, and heartbeats of the real schema. Paper
runs low and out and is refilled, readers fail and recover, and terminals drop off the network
without a goodbye and come back, at random but reproducibly (a seed). Many terminals need many
file descriptors: raise the limit first (``ulimit -n 65536``, or LimitNOFILE= in a unit file).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt

from sync import topics
from sync.link import Link, tls_client
from sync.telemetry import Component, Heartbeat, presence

Certify = Callable[[str], Link]  # terminal id -> how it reaches the broker (its own certificate)


@dataclass
class SimTerminal:
    """One simulated terminal's devices and counters."""

    terminal: str
    client: mqtt.Client
    paper: str = "full"
    reader: str = "online"
    backlog: int = 0
    online: bool = False
    boot: str = field(default_factory=lambda: f"sim-{random.getrandbits(32):08x}")

    def heartbeat(self) -> bytes:
        """Return a heartbeat of the real schema for the simulated state."""
        printer = Component(device="printer", state="user_error" if self.paper == "out" else "online",
                            since=datetime.now(UTC).isoformat(), media={"paper": self.paper},
                            error_code="paper_out" if self.paper == "out" else None)
        reader = Component(device="card_reader", state=self.reader, since=datetime.now(UTC).isoformat())
        beat = Heartbeat(terminal=self.terminal, at=datetime.now(UTC).isoformat(), boot=self.boot,
                         components=[printer, reader], outbox_backlog=self.backlog,
                         oldest_unsynced_s=60.0 * self.backlog if self.backlog else None, needs_manual=0,
                         last_ack=None, app_version="sim", catalog_version="2026.11.1", cert_expires=None,
                         disk_free_pct=55.0, memory_used_pct=35.0, uptime_s=3600.0, applications_today=0,
                         errors_today=0, help_requests_today=0)
        return beat.model_dump_json().encode()


def _attach(client: mqtt.Client, loop: asyncio.AbstractEventLoop) -> None:
    """Let the asyncio loop drive a paho client's socket (paho's external event loop API).

    paho may call these from the thread that connects, or after the loop has ended (when a
    client is collected): every change goes through the loop, and none once it is closed.
    """
    def later(action: Callable[[], object]) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(action)

    def opened(c: mqtt.Client, userdata: object, sock: Any) -> None:
        later(lambda: loop.add_reader(sock, c.loop_read))

    def closed(c: mqtt.Client, userdata: object, sock: Any) -> None:
        later(lambda: (loop.remove_reader(sock), loop.remove_writer(sock)))

    def want_write(c: mqtt.Client, userdata: object, sock: Any) -> None:
        later(lambda: loop.add_writer(sock, c.loop_write))

    def written(c: mqtt.Client, userdata: object, sock: Any) -> None:
        later(lambda: loop.remove_writer(sock))

    client.on_socket_open = opened
    client.on_socket_close = closed
    client.on_socket_register_write = want_write
    client.on_socket_unregister_write = written


@dataclass
class FleetSimulator:
    """N simulated terminals."""

    ids: list[str]
    certify: Certify
    heartbeat_every: float = 30.0
    seed: int = 1
    terminals: dict[str, SimTerminal] = field(default_factory=dict)

    async def connect(self, terminal: str) -> None:
        """Connect one terminal with its will and birth."""
        link = self.certify(terminal)
        client = tls_client(f"{terminal}-sim", link)
        sim = self.terminals.setdefault(terminal, SimTerminal(terminal, client))
        sim.client = client
        _attach(client, asyncio.get_running_loop())
        client.will_set(topics.state(terminal), presence(False, "lost", sim.boot), qos=1, retain=True)
        client.on_connect = lambda c, u, f, rc, p: c.publish(
            topics.state(terminal), presence(True, "connected", sim.boot), qos=1, retain=True)
        await asyncio.to_thread(client.connect, link.host, link.port)  # the TLS handshake blocks: off the loop
        sim.online = True

    async def run(self, seconds: float, *, chaos: bool = True) -> None:
        """Connect everyone, then beat, change and drop at random for ``seconds``."""
        rng = random.Random(self.seed)  # noqa: S311 - simulation, not security
        for terminal in self.ids:
            await self.connect(terminal)
        deadline = asyncio.get_running_loop().time() + seconds
        next_beat = 0.0
        while (now := asyncio.get_running_loop().time()) < deadline:
            for sim in self.terminals.values():
                sim.client.loop_misc()  # keepalive pings and retries
            if now >= next_beat:
                for sim in self.terminals.values():
                    if sim.online:
                        sim.client.publish(topics.telemetry(sim.terminal), sim.heartbeat(), qos=0)
                next_beat = now + self.heartbeat_every
            if chaos:
                await self._chaos(rng)
            await asyncio.sleep(0.2)

    async def _chaos(self, rng: random.Random) -> None:
        """Run paper down and refill it, fail readers, drop and restore links, now and then."""
        for sim in self.terminals.values():
            roll = rng.random()
            if roll < 0.001:
                sim.paper = {"full": "low", "low": "out", "out": "full"}.get(sim.paper, "full")
            elif roll < 0.0015:
                sim.reader = "hardware_error" if sim.reader == "online" else "online"
            elif roll < 0.0018 and sim.online:
                sim.client.socket().close()  # type: ignore[union-attr]  # gone without a goodbye: the will
                sim.online = False
            elif roll < 0.0030 and not sim.online:
                await self.connect(sim.terminal)

    async def run_and_close(self, seconds: float) -> None:
        """Run for ``seconds``, then say goodbye while the loop still runs."""
        try:
            await self.run(seconds)
        finally:
            self.close()
            await asyncio.sleep(0.5)  # let the goodbyes leave

    def close(self) -> None:
        """Say goodbye for every connected terminal."""
        for sim in self.terminals.values():
            if sim.online:
                sim.client.publish(topics.state(sim.terminal), presence(False, "stopped", sim.boot), qos=1,
                                   retain=True)
                sim.client.loop_write()
                sim.client.disconnect()
