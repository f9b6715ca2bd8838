"""An ingest worker: one of N sharing the uplink through an MQTT 5 shared subscription."""

from __future__ import annotations

import logging
import queue
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central.platform.ingest import Ingest
from sync import topics
from sync.agent import Link

log = logging.getLogger(__name__)


class IngestWorker:
    """Receives envelopes, stores them through ``ingest`` and publishes each ack."""

    def __init__(self, ingest: Ingest, link: Link, name: str = "ingest-1") -> None:
        """Connect as the central user (its certificate) under ``name``."""
        self.ingest = ingest
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=10_000)
        self.ready = threading.Event()
        self._stop = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
        self.client.tls_set(ca_certs=link.ca, certfile=link.cert, keyfile=link.key)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = lambda c, u, m: self.inbox.put((m.topic, bytes(m.payload)))
        self.link = link
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self.handled = 0  # messages this worker took from the shared subscription

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object, reason: object, props: object) -> None:
        """(Re)subscribe on every connection."""
        client.subscribe(topics.ingest_subscription(), qos=1)

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

    def _work(self) -> None:
        """Handle messages one by one; a bad message never stops the worker."""
        while not self._stop.is_set():
            try:
                topic, payload = self.inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            self.handled += 1
            try:
                ack = self.ingest.handle(topic, payload)
            except Exception:
                log.exception("ingest failed on %s", topic)
                continue
            if ack is not None:
                self.client.publish(topics.ack(ack.terminal), ack.payload(), qos=1)
