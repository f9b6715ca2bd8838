"""A fleet of headless simulated terminals on one asyncio loop: real TLS certificates, presence, heartbeats, uplink.

Each terminal is a paho client driven by the event loop (paho's external-loop API: the loop
watches the sockets, no thread per client), with its own certificate from the given CA, the
retained presence and will of the real sync agent, heartbeats of the real schema spread over
the interval as real terminals' are, and (given central's keys) real sealed applications and
help requests. Paper runs low and out and is refilled, readers fail and recover, and terminals
drop off the network without a goodbye and come back, at random but reproducibly (a seed).

Start-up connects in parallel (TLS handshakes block, so a small thread pool does them while the
loop keeps the connected ones alive). Many terminals need many file descriptors: raise the
limit first (``ulimit -n 65536``, or LimitNOFILE= in a unit file); the broker needs as many.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from demo.rates import Rates
from demo.simterminal import SimTerminal, Uplink
from protocol import topics
from protocol.heartbeat import presence
from protocol.link import Link, tls_client

Certify = Callable[[str], Link]  # terminal id -> how it reaches the broker (its own certificate)
TICK = 0.25  # seconds between steps of the loop
HOUR = 3600.0


def _on_loop(loop: asyncio.AbstractEventLoop, action: Callable[[], object]) -> None:
    """Run ``action`` for ``loop``: at once on the loop's own thread, else through the loop in order; never once closed.

    paho calls back on the loop's thread (reads, writes, keepalive) or on the thread that
    connects, or after the loop has ended (when a client is collected): the loop's own calls act
    at once, while the socket is still open.
    """
    if loop.is_closed():
        return
    try:
        here = asyncio.get_running_loop()
    except RuntimeError:
        here = None
    if here is loop:  # paho read, wrote or gave up on the loop's own thread: act while the socket is open
        action()
    else:  # the connecting thread: hand it to the loop, in order
        loop.call_soon_threadsafe(action)


def attach(client: mqtt.Client, loop: asyncio.AbstractEventLoop) -> None:
    """Let the asyncio loop drive a paho client's socket (paho's external event loop API).

    Each socket change reaches the loop through ``_on_loop``. A socket may be closed by the time
    a deferred change runs (a dropped terminal): adding skips it, and removing goes by the
    descriptor number it had.
    """
    def opened(c: mqtt.Client, userdata: object, sock: Any) -> None:
        """Watch a new socket for reads."""
        _on_loop(loop, lambda: sock.fileno() >= 0 and loop.add_reader(sock.fileno(), c.loop_read))

    def closed(c: mqtt.Client, userdata: object, sock: Any) -> None:
        """Stop watching a closing socket."""
        fd = sock.fileno()
        if fd >= 0:  # -1: already closed by drop(), which unregistered it
            _on_loop(loop, lambda: (loop.remove_reader(fd), loop.remove_writer(fd)))

    def want_write(c: mqtt.Client, userdata: object, sock: Any) -> None:
        """Watch the socket for room to write what paho has queued."""
        _on_loop(loop, lambda: sock.fileno() >= 0 and loop.add_writer(sock.fileno(), c.loop_write))

    def written(c: mqtt.Client, userdata: object, sock: Any) -> None:
        """Stop watching for writes: paho's queue is empty."""
        fd = sock.fileno()
        if fd >= 0:
            _on_loop(loop, lambda: loop.remove_writer(fd))

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
    uplink: Uplink | None = None
    rates: Rates = field(default_factory=Rates)
    connect_workers: int = 16
    terminals: dict[str, SimTerminal] = field(default_factory=dict)
    _pool: ThreadPoolExecutor | None = None
    _connecting: set[str] = field(default_factory=set)

    async def connect(self, terminal: str) -> None:
        """Connect one terminal with its will and birth (and its ack subscription when it sends envelopes)."""
        link = self.certify(terminal)
        client = tls_client(f"{terminal}-sim", link)
        sim = self.terminals.setdefault(terminal, SimTerminal(terminal, client))
        sim.client = client
        attach(client, asyncio.get_running_loop())
        client.will_set(topics.state(terminal), presence(False, "lost", sim.boot), qos=1, retain=True)
        client.on_connect = lambda c, u, f, rc, p: self._connected(sim)
        if self.uplink is not None:
            uplink = self.uplink
            client.on_message = lambda c, u, message: sim.take_acks(bytes(message.payload), uplink)
        self._pool = self._pool or ThreadPoolExecutor(self.connect_workers, thread_name_prefix="sim-connect")
        self._connecting.add(terminal)
        try:
            await asyncio.get_running_loop().run_in_executor(self._pool, client.connect, link.host, link.port)
            sim.online = True
        finally:
            self._connecting.discard(terminal)

    def drop(self, terminal: str) -> None:
        """Cut a terminal off the network without a goodbye (the broker then publishes its will)."""
        sim = self.terminals[terminal]
        sock = sim.client.socket()
        if sock is not None and sock.fileno() >= 0:
            loop = asyncio.get_running_loop()
            loop.remove_reader(sock.fileno())
            loop.remove_writer(sock.fileno())
            sock.close()
        sim.online = False

    def _connected(self, sim: SimTerminal) -> None:
        """Say hello, listen for acks, and send what queued up while offline."""
        sim.client.publish(topics.state(sim.terminal), presence(True, "connected", sim.boot), qos=1, retain=True)
        if self.uplink is not None:
            sim.client.subscribe(topics.ack(sim.terminal), qos=1)
            sim.send()

    async def start(self) -> None:
        """Connect every terminal, ``connect_workers`` handshakes at a time."""
        await asyncio.gather(*(self.connect(terminal) for terminal in self.ids))

    async def run(self, seconds: float, *, chaos: bool = True) -> None:
        """Connect everyone, then beat, change and drop at random for ``seconds``."""
        rng = random.Random(self.seed)  # noqa: S311 - simulation, not security
        loop = asyncio.get_running_loop()
        await self.start()
        deadline = loop.time() + seconds
        due = {t: loop.time() + rng.uniform(0, self.heartbeat_every) for t in self.ids}  # spread, as in life
        next_misc = 0.0
        while (now := loop.time()) < deadline:
            if now >= next_misc:
                for sim in self.terminals.values():
                    sim.client.loop_misc()  # keepalive pings and retries
                next_misc = now + 5
            for sim in self.terminals.values():
                changed = chaos and self._chaos(sim, rng)
                if sim.online and (changed or now >= due[sim.terminal]):
                    sim.client.publish(topics.telemetry(sim.terminal), sim.heartbeat(), qos=0)
                    due[sim.terminal] = now + self.heartbeat_every
            await asyncio.sleep(TICK)

    def _chance(self, rng: random.Random, per_hour: float) -> bool:
        """Return True with the probability of an event at ``per_hour`` within one tick."""
        return rng.random() < per_hour * TICK / HOUR

    def _chaos(self, sim: SimTerminal, rng: random.Random) -> bool:
        """Advance one terminal's random life by a tick; return whether a device changed (beat at once)."""
        rates = self.rates
        if self.uplink is not None and sim.paper != "out":
            if self._chance(rng, rates.applications):
                sim.apply(self.uplink)
                sim.send()
            if self._chance(rng, rates.help_requests):
                sim.call_staff(self.uplink)
                sim.send()
        if self._chance(rng, rates.paper_steps):
            sim.paper = {"full": "low", "low": "out", "out": "full"}.get(sim.paper, "full")
            return True
        if self._chance(rng, rates.reader_flips):
            sim.reader = "hardware_error" if sim.reader == "online" else "online"
            return True
        if sim.online and self._chance(rng, rates.drops):
            self.drop(sim.terminal)
        elif not sim.online and sim.terminal not in self._connecting and self._chance(rng, rates.returns):
            asyncio.get_running_loop().create_task(self.connect(sim.terminal))
        return False

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
        if self._pool is not None:
            self._pool.shutdown(wait=False)
