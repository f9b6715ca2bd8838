"""The sync agent: pumps the store's outbox to central over MQTT 5 until central acknowledges.

Not "publish and hope": paho keeps unacknowledged messages in memory only, and a PUBACK means
only that the broker has a message. An outbox entry is done when central's application-level
ack arrives; until then it is resent after a timeout with the same message id (central
de-duplicates on it). The session is persistent (clean start off, a session expiry), so acks
published while the agent was away are delivered when it returns.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kiosk.store import outbox
from kiosk.store.store import Store
from sync import topics
from sync.envelope import Header, seal

log = logging.getLogger(__name__)
SESSION_EXPIRY = 7 * 24 * 3600  # the broker keeps our session (and our acks) for a week offline


@dataclass(frozen=True)
class Link:
    """Where and how the agent reaches the broker."""

    host: str
    port: int
    ca: str
    cert: str
    key: str


class SyncAgent:
    """One terminal's uplink: outbox → envelopes → broker → central → acks → outbox."""

    def __init__(self, store: Store, terminal: str, signer: ec.EllipticCurvePrivateKey,
                 central: x25519.X25519PublicKey, link: Link, *, window: int = 20,
                 ack_timeout: timedelta = timedelta(seconds=10)) -> None:
        """Pump ``store``'s outbox as ``terminal``; ``window`` entries may await their ack at once."""
        self.store, self.terminal, self.signer, self.central, self.link = store, terminal, signer, central, link
        self.window, self.ack_timeout = window, ack_timeout
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.refused = ""  # the broker's reason when it refuses us (bad certificate, ACL): not retried hot
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        """Build the MQTT 5 client with TLS, a client certificate and a persistent session."""
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{self.terminal}-sync",
                             protocol=mqtt.MQTTv5)
        client.tls_set(ca_certs=self.link.ca, certfile=self.link.cert, keyfile=self.link.key)
        client.reconnect_delay_set(min_delay=1, max_delay=60)  # exponential backoff between attempts
        client.on_connect = self._on_connect
        client.on_disconnect = lambda c, u, f, rc, p: self.connected.clear()
        client.on_message = lambda c, u, message: self.acks.put(_parse_ack(bytes(message.payload)))
        return client

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: Any, reason: Any, props: Any) -> None:
        """Subscribe to our acks once connected; remember a refusal."""
        if reason.is_failure:
            self.refused = str(reason)
            log.error("broker refused the terminal: %s", reason)
            return
        client.subscribe(topics.ack(self.terminal), qos=1)
        self.connected.set()

    def start(self) -> None:
        """Connect (asynchronously, retrying with backoff) and start paho's network thread."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY
        self.client.connect_async(self.link.host, self.link.port, clean_start=False, properties=properties)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect and stop the network thread."""
        self.client.disconnect()
        self.client.loop_stop()

    def step(self) -> int:
        """Apply received acks, then publish due entries; return how many were published."""
        self._apply_acks()
        if not self.connected.is_set():
            return 0
        sent = 0
        for entry in outbox.pending(self.store, limit=self.window):
            header = Header(self.terminal, entry.seq, entry.record_id, entry.kind, self.store.now(), self.store.boot)
            envelope = seal(header, outbox.payload(self.store, entry), self.central, self.signer)
            info = self.client.publish(topics.up(self.terminal, entry.kind), envelope, qos=1)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                break
            outbox.attempted(self.store, entry.seq, self.ack_timeout)  # resend if no ack comes in time
            sent += 1
        return sent

    def _apply_acks(self) -> None:
        """Mark acknowledged entries done and park rejected ones."""
        while True:
            try:
                ack = self.acks.get_nowait()
            except queue.Empty:
                return
            record = ack.get("id", "")
            try:
                uuid.UUID(record)
            except ValueError:
                continue
            if ack.get("status") in {"stored", "duplicate"}:
                outbox.ack(self.store, record)
            elif ack.get("status") == "rejected":
                outbox.reject(self.store, record, str(ack.get("reason", "rejected")))

    def run_until_drained(self, timeout: float) -> bool:
        """Pump until the outbox is empty (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.step()
            if not outbox.pending(self.store, limit=1) and not _awaiting(self.store):
                return True
            time.sleep(0.05)
        return False


def _awaiting(store: Store) -> bool:
    """Return whether any entry was sent and still awaits its ack."""
    return bool(store.count_unacked())


def _parse_ack(payload: bytes) -> dict[str, Any]:
    """Parse an ack; garbage becomes an empty ack that is ignored."""
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
