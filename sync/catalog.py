"""The terminal's side of catalog releases over MQTT: the hall's retained manifest, then only the chunks it lacks.

Central keeps each hall's latest signed manifest retained on ``yc/v1/catalog/hall/<hall>/release``
and every chunk retained on ``yc/v1/catalog/chunk/<sha256>``. On each connection the agent
subscribes to its hall's manifest; a manifest newer than anything staged is verified, and the
fetcher subscribes to the topic of each chunk the terminal does not hold (the broker hands over
the retained chunk at once) and unsubscribes as each arrives. With every chunk held the release
is staged (kiosk/store/releases.py); the kiosk switches to it between sessions. Messages arrive
on paho's thread and are queued; the agent's pump does the work (disk, hashing, staging).
"""

from __future__ import annotations

import logging
import queue
from dataclasses import dataclass, field
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.store.releases import ReleaseStore
from protocol import topics
from protocol.release import CHUNK_BYTES, Manifest, ReleaseError, digest, open_manifest

log = logging.getLogger(__name__)
MAX_QUEUED = 2000  # more messages than a release has chunks waiting means a flood: drop the excess


class EventRecorder(Protocol):
    """Where refusals are recorded for ops (the terminal's store)."""

    def record_event(self, kind: str, severity: str, detail: dict[str, Any]) -> None:
        """Record one event."""
        ...


@dataclass
class CatalogFetcher:
    """Fetches the hall's newest release into the terminal's release store."""

    releases: ReleaseStore
    key: ed25519.Ed25519PublicKey
    hall: str
    store: EventRecorder  # where refusals are recorded as events for ops
    inbox: queue.Queue[tuple[str, bytes]] = field(default_factory=lambda: queue.Queue(MAX_QUEUED))
    wanted: dict[str, str] = field(default_factory=dict)  # chunk name → its topic, while a release is incomplete
    pending: tuple[bytes, Manifest] | None = None
    fetched: int = 0  # chunks taken from the broker since start
    received_bytes: int = 0  # catalog payload bytes the broker delivered since start (manifests and chunks)
    staged_serial: int = 0  # the serial of the last release this fetcher staged (0: none since start)

    def attach(self, client: mqtt.Client) -> None:
        """Route the catalog topics' messages to this fetcher."""
        client.message_callback_add(f"{topics.CATALOG_PREFIX}/#", self._on_message)

    def connected(self, client: mqtt.Client) -> None:
        """(Re)subscribe to the hall's manifest; the broker delivers the retained one at once."""
        self.wanted.clear()
        client.subscribe(topics.catalog_release(self.hall), qos=1)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue a manifest or chunk for the pump (on paho's thread: no disk, no crypto here)."""
        self.received_bytes += len(message.payload)
        try:
            self.inbox.put_nowait((message.topic, bytes(message.payload)))
        except queue.Full:
            log.warning("catalog: too many messages queued, one dropped", extra={"event": "catalog_flood"})

    def step(self, client: mqtt.Client) -> None:
        """Handle queued manifests and chunks; stage the pending release once every chunk is held."""
        while True:
            try:
                topic, payload = self.inbox.get_nowait()
            except queue.Empty:
                break
            name = topics.chunk_of(topic)
            if name is not None:
                self._chunk(client, name, payload)
            elif topic == topics.catalog_release(self.hall) and payload:
                self._manifest(client, payload)
        if self.pending is not None and not self.wanted:
            self._stage()

    def _manifest(self, client: mqtt.Client, payload: bytes) -> None:
        """Verify a manifest; if newer than the last staged, ask for the chunks the terminal lacks."""
        try:
            manifest = open_manifest(payload, self.key)  # bounded: an oversized manifest is refused unread
        except ReleaseError as exc:
            self._refused(exc, payload)
            return
        known = self.releases.state().serial
        if manifest.serial == known:
            return  # the retained manifest of the release this terminal already has: nothing to do
        if manifest.serial < known:
            self._refused(ReleaseError("downgrade", f"release {manifest.serial} is older than release {known}"),
                          payload)
            return
        self.pending = (payload, manifest)
        self.wanted = {name: topics.catalog_chunk(name) for name in self.releases.missing(manifest)}
        for chunk_topic in self.wanted.values():
            client.subscribe(chunk_topic, qos=1)
        log.info("catalog: release %s offered, %d of %d chunks to fetch", manifest.serial, len(self.wanted),
                 len(manifest.digests()), extra={"event": "catalog_offered", "serial": manifest.serial})

    def _chunk(self, client: mqtt.Client, name: str, payload: bytes) -> None:
        """Keep a wanted chunk whose content matches its name; ignore anything else."""
        chunk_topic = self.wanted.get(name)
        if chunk_topic is None or len(payload) > CHUNK_BYTES or digest(payload) != name:
            return  # not asked for, or not what its name says: wait for the genuine retained one
        self.releases.put_chunk(payload)
        self.fetched += 1
        del self.wanted[name]
        client.unsubscribe(chunk_topic)

    def _stage(self) -> None:
        """Stage the pending release (the store verifies everything again and records a refusal)."""
        assert self.pending is not None  # noqa: S101 - step() checks it
        payload, manifest = self.pending
        self.pending = None
        try:
            self.releases.stage(payload, self.key, hall=self.hall)  # records its own refusals
        except ReleaseError as exc:
            self._report(exc)
            return
        self.staged_serial = manifest.serial
        log.info("catalog: release %s (catalog %s) staged", manifest.serial, manifest.version,
                 extra={"event": "catalog_staged", "serial": manifest.serial})

    def _refused(self, error: ReleaseError, payload: bytes) -> None:
        """Record a release refused before staging, for the technician and for ops."""
        self.releases.record_refusal(error, payload)
        self._report(error)

    def _report(self, error: ReleaseError) -> None:
        """Log a refused release and record it as an event for ops; the terminal keeps serving what it has."""
        log.warning("catalog: release refused (%s): %s", error.reason, error,
                    extra={"event": "catalog_refused", "reason": error.reason})
        self.store.record_event("catalog_refused", "warning", {"reason": error.reason, "message": str(error)[:300]})
