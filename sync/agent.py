"""The sync agent: pumps the store's outbox to central over MQTT 5 until central acknowledges.

Not "publish and hope": paho keeps unacknowledged messages in memory only, and a PUBACK means
only that the broker has a message. An outbox entry is done when central's signed
application-level ack arrives; until then it is resent, with the same message id, after a
timeout that doubles with each attempt (central de-duplicates on the id). When the link comes
back every waiting entry is due at once. The session is persistent (clean start off, a session
expiry), so acks published while the agent was away are delivered when it returns.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.store import health, outbox
from kiosk.store.crypto import DecryptionFailed
from kiosk.store.errors import RecordNotFound, RecordShredded
from kiosk.store.store import Store
from protocol import bundle, heartbeat, topics, uplink_v2
from protocol.acks import Ack, open_acks
from protocol.clock import TrustedClock
from protocol.envelope import EnvelopeError, Header, new_content_key, seal
from protocol.link import Link, tls_client
from sync.catalog import CatalogFetcher
from sync.commands import CommandDesk
from sync.crl import CrlKeeper
from sync.keys import TerminalKeys
from sync.questions import QuestionRelay

log = logging.getLogger(__name__)
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps our session (and our acks) for a week offline
MAX_BACKOFF_EXPONENT = 8
UNREADABLE = (RecordNotFound, RecordShredded, DecryptionFailed, ValueError)  # ValueError: JSON


class SyncAgent:
    """One terminal's uplink: outbox → envelopes → broker → central → acks → outbox."""

    def __init__(self, store: Store, terminal: str, keys: TerminalKeys, link: Link, *, window: int = 50,
                 ack_timeout: timedelta = timedelta(seconds=10), clock: TrustedClock | None = None,
                 heartbeat: Callable[[], bytes] | None = None, heartbeat_every: float = 30.0,
                 catalog: CatalogFetcher | None = None, commands: CommandDesk | None = None,
                 protocol: int = uplink_v2.VERSION, crl: CrlKeeper | None = None) -> None:
        """Pump ``store``'s outbox as ``terminal``; ``window`` entries are published per step.

        ``protocol`` 2 (the default) signs once per bundle (protocol/uplink_v2.py); 1 signs every envelope,
        as terminals not yet upgraded do (central takes both).

        With ``heartbeat`` (a function returning the telemetry payload) the agent also sends it
        every ``heartbeat_every`` seconds and at once when a device reports a new status; with ``catalog``
        it fetches the hall's signed catalog releases (sync/catalog.py); with ``commands`` it takes central's
        commands and reports their states (sync/commands.py); with ``crl`` it keeps the fleet's revocation
        list (sync/crl.py).
        """
        self.store, self.terminal, self.keys, self.link, self.clock = store, terminal, keys, link, clock
        self.heartbeat, self.heartbeat_every = heartbeat, heartbeat_every
        self._last_beat, self._status_seen = float("-inf"), -1
        self.window, self.ack_timeout = window, ack_timeout
        self.acks: queue.Queue[bytes] = queue.Queue()
        self._wake = threading.Event()  # set when acks arrive: a waiting pump applies them at once
        self.connected = threading.Event()
        self._link_came_back = threading.Event()
        self.refused = ""  # why the broker will not take our messages (TLS, certificate, ACL); retried with backoff
        self.session_present = False
        self.bad_acks = 0  # ack batches whose signature or shape was wrong: ignored
        self.catalog, self.commands, self.protocol, self.crl = catalog, commands, protocol, crl
        self.questions = QuestionRelay(store, terminal, lambda: datetime.now(UTC), wake=self._wake.set)
        self.client = self._client()
        for part in (catalog, commands, self.questions, crl):
            if part is not None:
                part.attach(self.client)

    def _client(self) -> mqtt.Client:
        """Build the MQTT 5 client with TLS, a client certificate and a persistent session."""
        client = tls_client(f"{self.terminal}-sync", self.link, self.clock)
        # Exponential backoff between attempts; a random first step spreads a fleet reconnecting at once.
        client.reconnect_delay_set(min_delay=random.randint(1, 3), max_delay=120)  # noqa: S311
        client.on_connect = self._on_connect
        client.on_connect_fail = lambda c, u: self._report("the broker cannot be reached or refused the TLS handshake")
        client.on_publish = self._on_publish
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = lambda c, u, mid, codes, p: self.crl.subscribed(mid, codes) if self.crl else None
        # the broker publishes this if the connection dies: the retained state never says online after a crash
        client.will_set(topics.state(self.terminal), heartbeat.presence(False, "lost", self.store.boot), qos=1,
                        retain=True)
        return client

    def _report(self, problem: str) -> None:
        """Remember why the broker will not take our messages; log each new reason once."""
        if problem != self.refused:
            log.error("sync: %s", problem)
        self.refused = problem

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: Any, reason: Any, props: Any) -> None:
        """Subscribe to our acks once connected; remember a refusal.

        Without a session present the broker has forgotten the acks published while we were away;
        every waiting entry is due again on each connection anyway, so nothing waits for them.
        """
        if reason.is_failure:
            self._report(f"the broker refused the connection: {reason}")
            return
        self.refused = ""
        self.session_present = bool(flags.session_present)
        if self.clock is not None:
            self.clock.observe_system()  # capped by central's last signed time: one false reading cannot poison it
        client.subscribe(topics.ack(self.terminal), qos=1)
        for part in (self.catalog, self.commands, self.questions, self.crl):
            if part is not None:
                part.connected(client)
        client.publish(topics.state(self.terminal), heartbeat.presence(True, "connected", self.store.boot), qos=1,
                       retain=True)
        self._last_beat = float("-inf")  # a heartbeat right after (re)connecting
        self._link_came_back.set()
        self.connected.set()
        log.info("connected to the broker (session %s)", "kept" if self.session_present else "new",
                 extra={"event": "connected", "terminal": self.terminal})

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: Any, reason: Any, props: Any) -> None:
        """Note the link is down; a close before the broker ever accepted us means it refuses our certificate."""
        if not self.connected.is_set() and reason.is_failure:
            self._report("the broker closed the connection before accepting it (is our certificate trusted?)")
        self.connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue an ack batch for the pump and wake it."""
        self.acks.put(bytes(message.payload))
        self._wake.set()

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, reason: Any, props: Any) -> None:
        """Report a publish the broker refused (MQTT 5 PUBACK reason, e.g. 0x87 not authorized by the ACL)."""
        if reason.is_failure:
            self._report(f"the broker refused a publish: {reason} (check the ACL and the certificate's CN)")

    def start(self) -> None:
        """Connect (asynchronously, retrying with backoff) and start paho's network thread."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY
        self.client.connect_async(self.link.host, self.link.port, clean_start=False, properties=properties)
        self.client.loop_start()

    def stop(self) -> None:
        """Say goodbye (retained offline, not lost), disconnect and stop the network thread."""
        if self.connected.is_set():
            info = self.client.publish(topics.state(self.terminal),
                                       heartbeat.presence(False, "stopped", self.store.boot), qos=1, retain=True)
            info.wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()
        log.info("stopped", extra={"event": "stopped", "terminal": self.terminal})

    def step(self) -> int:
        """Apply received acks, then publish due entries; return how many were published."""
        self._apply_acks()
        for keeper in (self.catalog, self.crl):
            if keeper is not None:
                keeper.step(self.client)
        if not self.connected.is_set():
            return 0
        if self.commands is not None:
            self.commands.step(self.client)
        asked = self.questions.step(self.client)  # 进度查询: a citizen waits at the screen
        if self._link_came_back.is_set():
            self._link_came_back.clear()
            outbox.due_now(self.store)
        self._beat()
        entries = outbox.pending(self.store, limit=self.window)
        bodies = self._bodies(entries)
        sent = self._publish(self._seal([e for e in entries if e.seq in bodies], bodies))
        if sent:  # resend if no ack comes in time; each attempt waits twice as long as the last
            exponent = min(*(e.attempts for e in sent), MAX_BACKOFF_EXPONENT)
            jitter = random.uniform(0.8, 1.2)  # noqa: S311
            outbox.attempted_many(self.store, [e.seq for e in sent], self.ack_timeout * (2**exponent) * jitter)
        return len(sent) + asked

    def _beat(self) -> None:
        """Send the heartbeat when it is due or a device status changed."""
        if self.heartbeat is None:
            return
        version = health.status_version(self.store)
        if version == self._status_seen and time.monotonic() - self._last_beat < self.heartbeat_every:
            return
        self._status_seen, self._last_beat = version, time.monotonic()
        try:
            payload = self.heartbeat()
        except ValueError as exc:  # a value outside the heartbeat's bounds: the monitor would refuse it anyway
            log.warning("heartbeat not sent, a value is outside its schema: %s", exc)
            return
        self.client.publish(topics.telemetry(self.terminal), payload, qos=0)

    def _seal(self, entries: list[outbox.Entry], bodies: dict[int, bytes]) -> list[tuple[outbox.Entry, bytes]]:
        """Seal each entry (one ephemeral key for the step's batch); park one that cannot be sealed."""
        content_key = new_content_key(self.keys.central)
        sealed = []
        for entry in entries:
            header = Header(self.terminal, entry.seq, entry.record_id, entry.kind, self.store.now(), self.store.boot,
                            v=self.protocol)
            try:
                sealed.append((entry, uplink_v2.seal(header, bodies[entry.seq], self.keys.central, content_key)
                               if self.protocol == uplink_v2.VERSION else
                               seal(header, bodies[entry.seq], self.keys.central, self.keys.signer, content_key)))
            except EnvelopeError as exc:  # e.g. oversized: resending would never help
                outbox.reject(self.store, entry.record_id, f"{exc.code}_on_terminal")
        return sealed

    def _publish(self, sealed: list[tuple[outbox.Entry, bytes]]) -> list[outbox.Entry]:
        """Publish one envelope on its kind's topic, or several as bundles; return the entries published."""
        if self.protocol == uplink_v2.VERSION:
            return self._publish_v2(sealed)
        if len(sealed) == 1:
            entry, envelope = sealed[0]
            info = self.client.publish(topics.up(self.terminal, entry.kind), envelope, qos=1)
            return [entry] if info.rc == mqtt.MQTT_ERR_SUCCESS else []
        sent: list[outbox.Entry] = []
        for envelopes in bundle.group([envelope for _, envelope in sealed]):
            info = self.client.publish(topics.bundle(self.terminal), bundle.pack(envelopes), qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break
            sent += [entry for entry, _ in sealed[len(sent) : len(sent) + len(envelopes)]]
        return sent

    def _publish_v2(self, sealed: list[tuple[outbox.Entry, bytes]]) -> list[outbox.Entry]:
        """Publish envelopes as v2 bundles (one signature each, a single envelope too); return the entries published."""
        sent: list[outbox.Entry] = []
        for envelopes in uplink_v2.group([envelope for _, envelope in sealed]):
            packed = uplink_v2.pack(envelopes, self.keys.signer)
            if self.client.publish(topics.bundle(self.terminal), packed, qos=1).rc != mqtt.MQTT_ERR_SUCCESS:
                break
            sent += [entry for entry, _ in sealed[len(sent) : len(sent) + len(envelopes)]]
        return sent

    def _bodies(self, entries: list[outbox.Entry]) -> dict[int, bytes]:
        """Read the entries' content; one that cannot be read is parked so it never blocks the queue."""
        try:
            return outbox.payloads(self.store, entries)
        except UNREADABLE:
            bodies = {}
            for entry in entries:
                try:
                    bodies[entry.seq] = outbox.payload(self.store, entry)
                except UNREADABLE as exc:
                    log.error("outbox entry %s cannot be read: %s", entry.seq, type(exc).__name__)
                    outbox.reject(self.store, entry.record_id, f"unreadable_on_terminal: {type(exc).__name__}")
            return bodies

    def _apply_acks(self) -> None:
        """Mark acknowledged entries done and park rejected ones, a batch at a time."""
        done: list[str] = []
        while True:
            try:
                payload = self.acks.get_nowait()
            except queue.Empty:
                break
            try:
                batch = open_acks(payload, self.terminal, self.keys.acks)
            except EnvelopeError as exc:
                self.bad_acks += 1
                log.warning("ignored an ack batch: %s", exc.code)
                continue
            if self.clock is not None:
                self.clock.observe(batch.at)  # central's signed time: the terminal's clock of last resort
            done += [a.id for a in batch.acks if a.status in {"stored", "duplicate"}]
            self._park([a for a in batch.acks if a.status == "rejected"])
        if done:
            outbox.ack_many(self.store, done)
            log.debug("%d entries acknowledged by central", len(done),
                      extra={"event": "acked", "terminal": self.terminal, "message_id": done[-1]})

    def _park(self, rejected: list[Ack]) -> None:
        """Park entries central refused (each raises an event); nothing is deleted."""
        for ack in rejected:
            outbox.reject(self.store, ack.id, ack.reason or "rejected")

    def settled(self) -> bool:
        """Return whether nothing is waiting to be sent or acknowledged."""
        return outbox.backlog(self.store) == 0

    def run(self, stop: threading.Event, idle: float = 0.2, turned: Callable[[], None] = lambda: None) -> None:
        """Pump until ``stop`` is set (or central asked for a restart), resting ``idle`` seconds when idle."""
        while not stop.is_set() and not (self.commands is not None and self.commands.restart_asked):
            if not self.step():
                self._wake.wait(idle)  # an ack or an answer wakes the pump at once
                self._wake.clear()
            turned()

    def run_until_drained(self, timeout: float) -> bool:
        """Pump until connected with the outbox settled (True), or until ``timeout`` seconds pass (False).

        An empty outbox is not drained until the broker has accepted us: a refused (revoked) terminal
        is not told it succeeded, and the clean stop that follows says "stopped" instead of firing the will.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.step():
                if self.connected.is_set() and self.settled():
                    return True
                self._wake.wait(0.05)
                self._wake.clear()
        return False
