"""One simulated terminal: devices that fail, a heartbeat of the real schema, and an outbox of real envelopes.

With an ``Uplink`` the terminal also makes applications (the sample item, validated by the
domain exactly as at a kiosk) and help requests, seals each with its own key to central as the
sync agent does, queues them while offline, sends them when online, and forgets them only when
central's signed ack names them. Its reported backlog is that outbox, so central's figures and
the monitor's agree.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

from domain.application import Draft, create
from domain.catalog import Catalog
from domain.catalog_loader import load_catalog
from domain.data import EXAMPLES, SAMPLE_CATALOG
from domain.export import to_jsonable
from protocol import topics
from protocol.acks import open_acks
from protocol.bundle import group, pack
from protocol.envelope import EnvelopeError, Header, seal
from protocol.heartbeat import Component, Heartbeat

SAMPLE_ITEM = "SB-001"


@cache
def sample_catalog() -> Catalog:
    """Return the built-in sample catalog (loaded once per process)."""
    return load_catalog(SAMPLE_CATALOG)


@cache
def sample_answers() -> dict[str, Any]:
    """Return the illustrative answers for the sample item."""
    answers: dict[str, Any] = json.loads((EXAMPLES / f"{SAMPLE_ITEM.lower()}.json").read_text())["answers"]
    return answers


@dataclass(frozen=True)
class Uplink:
    """What a terminal needs to send envelopes: central's public keys and its own signing key per terminal."""

    central: x25519.X25519PublicKey
    ack: ed25519.Ed25519PublicKey
    signer: Callable[[str], ec.EllipticCurvePrivateKey]


@dataclass
class SimTerminal:
    """One simulated terminal's devices, counters and outbox."""

    terminal: str
    client: mqtt.Client
    paper: str = "full"
    reader: str = "online"
    online: bool = False
    boot: str = field(default_factory=lambda: f"sim-{random.getrandbits(32):08x}")
    seq: int = 0
    queued: dict[str, bytes] = field(default_factory=dict)  # envelope id -> envelope, until central acks it
    applications: int = 0
    help_requests: int = 0
    errors: int = 0

    def heartbeat(self) -> bytes:
        """Return a heartbeat of the real schema for the simulated state."""
        now = datetime.now(UTC).isoformat()
        printer = Component(device="printer", state="user_error" if self.paper == "out" else "online",
                            since=now, media={"paper": self.paper},
                            error_code="paper_out" if self.paper == "out" else None)
        reader = Component(device="card_reader", state=self.reader, since=now)
        beat = Heartbeat(terminal=self.terminal, at=now, boot=self.boot, components=[printer, reader],
                         outbox_backlog=len(self.queued), oldest_unsynced_s=60.0 if self.queued else None,
                         needs_manual=0, last_ack=None, app_version="sim", catalog_version=sample_catalog().version,
                         cert_expires=None, disk_free_pct=55.0, memory_used_pct=35.0, uptime_s=3600.0,
                         applications_today=self.applications, errors_today=self.errors,
                         help_requests_today=self.help_requests)
        return beat.model_dump_json().encode()

    def _queue(self, uplink: Uplink, kind: str, record_id: str, body: bytes) -> None:
        """Seal one record as the sync agent would and hold it until acked."""
        self.seq += 1
        header = Header(self.terminal, self.seq, record_id, kind, datetime.now(UTC).isoformat(), self.boot)
        self.queued[record_id] = seal(header, body, uplink.central, uplink.signer(self.terminal))

    def apply(self, uplink: Uplink) -> None:
        """A citizen submits the sample item (validated by the domain, numbered by this terminal)."""
        catalog = sample_catalog()
        application = create(Draft(catalog.offering(SAMPLE_ITEM), sample_answers()), catalog, self.terminal,
                             self.applications + 1, datetime.now(UTC))
        self.applications += 1
        body = json.dumps(to_jsonable(application), ensure_ascii=False, sort_keys=True).encode()
        self._queue(uplink, "application", str(application.id), body)

    def call_staff(self, uplink: Uplink) -> None:
        """A citizen presses 呼叫帮办."""
        record = str(uuid.uuid4())
        self.help_requests += 1
        body = {"id": record, "screen": "form", "item": SAMPLE_ITEM, "application_id": None,
                "at": datetime.now(UTC).isoformat()}
        self._queue(uplink, "help_request", record, json.dumps(body).encode())

    def send(self) -> None:
        """Publish everything queued (again: central de-duplicates), in bundles, while online."""
        if self.online and self.queued:
            for batch in group(list(self.queued.values())):
                self.client.publish(topics.bundle(self.terminal), pack(batch), qos=1)

    def take_acks(self, payload: bytes, uplink: Uplink) -> None:
        """Forget what central's signed ack names; count a forged or garbled ack as an error."""
        try:
            batch = open_acks(payload, self.terminal, uplink.ack)
        except EnvelopeError:
            self.errors += 1
            return
        for verdict in batch.acks:
            if self.queued.pop(verdict.id, None) is not None and verdict.status == "rejected":
                self.errors += 1
