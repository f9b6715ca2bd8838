"""An ingest worker: one of N sharing the uplink through an MQTT 5 shared subscription.

The share group's name is derived from central's private uplink key (protocol.topics.ingest_group):
every central process joins the same group, and no other identity can name it, so none can join
it and swallow a share of the uplink it may not read (mosquitto accepts any SUBSCRIBE).

The worker takes what has arrived (up to a batch), stores it in one transaction and publishes
one signed ack batch per terminal. A message the worker took but did not finish when it died
is not lost: the terminal resends it after its ack timeout.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import defaultdict

import paho.mqtt.client as mqtt

from central.platform.ingest import Ingest
from protocol import topics
from protocol.acks import Ack, seal_acks
from protocol.link import Link, tls_client

log = logging.getLogger(__name__)
BATCH = 200  # messages
BATCH_BYTES = 2 * 1024 * 1024  # bundles carry many envelopes: bound one transaction's size


class IngestWorker:
    """Receives envelopes, stores them through ``ingest`` and publishes the acks."""

    def __init__(self, ingest: Ingest, link: Link, name: str = topics.service_client_id("central", "ingest-1")) -> None:
        """Connect as the central user (on the services listener) under the client id ``name``."""
        self.ingest, self.link = ingest, link
        self.group = topics.ingest_group(ingest.keys.uplink.private_bytes_raw())
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=10_000)
        self.ready = threading.Event()
        self._stop = threading.Event()
        self.client = tls_client(name, link)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = self._on_message
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self.handled = 0  # messages this worker took from the shared subscription
        self.failures = 0  # batches that failed (database down): their terminals resend
        self.retained = 0  # retained uplink messages dropped unread

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        """(Re)subscribe on every connection."""
        client.subscribe(topics.ingest_subscription(self.group), qos=1)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue a live uplink message; drop a retained one (no terminal sends those: it is replayed garbage)."""
        if message.retain:
            self.retained += 1
            return
        self.inbox.put((message.topic, bytes(message.payload)))

    def start(self) -> None:
        """Connect and start working."""
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()
        self._thread.start()

    def stop(self) -> None:
        """Stop working and disconnect."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()

    def alive(self) -> bool:
        """Return whether the working thread runs."""
        return self._thread.is_alive()

    def _next_batch(self) -> list[tuple[str, bytes]]:
        """Wait briefly for one message, then take whatever else has arrived, up to a batch."""
        try:
            batch = [self.inbox.get(timeout=0.1)]
        except queue.Empty:
            return []
        size = len(batch[0][1])
        while len(batch) < BATCH and size < BATCH_BYTES:
            try:
                batch.append(self.inbox.get_nowait())
            except queue.Empty:
                break
            size += len(batch[-1][1])
        return batch

    def _work(self) -> None:
        """Handle batches; a bad message or a failing database never stops the worker."""
        while not self._stop.is_set():
            batch = self._next_batch()
            if not batch:
                continue
            self.handled += len(batch)
            try:
                acks = self.ingest.handle_batch(batch)
            except Exception:  # the database is down or refused the batch: terminals resend later
                self.failures += 1
                log.exception("ingest failed on a batch of %d", len(batch))
                continue
            self._publish([a for a in acks if a is not None])

    def _publish(self, acks: list[Ack]) -> None:
        """Publish one signed ack batch per terminal."""
        by_terminal: dict[str, list[Ack]] = defaultdict(list)
        for ack in acks:
            by_terminal[ack.terminal].append(ack)
        for terminal, batch in by_terminal.items():
            self.client.publish(topics.ack(terminal), seal_acks(terminal, batch, self.ingest.keys.ack), qos=1)

