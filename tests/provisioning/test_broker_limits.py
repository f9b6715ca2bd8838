"""Attacks on the broker from `provision broker-config` (#21 finding 6): message sizes, queues, the ACL's reach."""

from __future__ import annotations

import getpass
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from demo.devstack import start_mosquitto
from demo.ports import free_port
from protocol import bundle, topics
from protocol.link import service_password
from provisioning import pki
from provisioning.broker import (
    MAX_PACKET_BYTES,
    MAX_QUEUED_BYTES,
    MAX_QUEUED_MESSAGES,
    SERVICE_CNS,
    SERVICE_USERS,
    write_broker_config,
)
from tests.common import ROOT

PASSPHRASE = b"correct horse battery"
MIB = 1024 * 1024


@dataclass
class Broker:
    ca: Path
    issuer: pki.Issuer
    port: int
    services_port: int
    process: subprocess.Popen[bytes]

    def identity(self, cn: str) -> tuple[Path, Path]:
        """Return the certificate and key of a service identity or the first claim medium, or issue a terminal's."""
        services = self.ca / "services"
        if (services / f"{cn}.pem").exists():
            return services / f"{cn}.pem", services / f"{cn}.key"
        if cn == "claim":
            return self.ca / "claim" / "claim.pem", self.ca / "claim" / "claim.key"
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issuer.issue(cn, key.public_key(), 7)
        cert_path, key_path = self.ca / f"{cn}.pem", self.ca / f"{cn}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(pki.private_pem(key, None))
        return cert_path, key_path

    def rss_mib(self) -> float:
        """Return the broker's resident memory."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    directory = tmp_path_factory.mktemp("limits")
    issuer = pki.init_ca(directory / "ca", PASSPHRASE, ("localhost", "127.0.0.1"))
    port, services_port = free_port(), free_port()
    conf = write_broker_config(directory / "ca", directory / "broker", port=port, bind="127.0.0.1",
                               services_port=services_port, run_as=getpass.getuser())
    running = Broker(directory / "ca", issuer, port, services_port, start_mosquitto(conf, port))
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


class Client:
    """A paho MQTT 5 client with an identity of the generated PKI; records acks, messages and disconnects."""

    def __init__(self, broker: Broker, cn: str, *, client_id: str | None = None, persistent: bool = False) -> None:
        cert, key = broker.identity(cn)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5,
                                  client_id=client_id or f"{cn}-{uuid.uuid4().hex[:6]}")
        self.client.tls_set(ca_certs=str(broker.ca / "chain.pem"), certfile=str(cert), keyfile=str(key))
        port = broker.port
        if cn in SERVICE_USERS:  # a service logs in on its own listener
            self.client.username_pw_set(cn, service_password(key))
            port = broker.services_port
        self.acks: dict[int, mqtt.ReasonCode] = {}
        self.messages: list[mqtt.MQTTMessage] = []
        self.connected, self.disconnected = threading.Event(), threading.Event()
        self.changed = threading.Condition()
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message
        properties = mqtt.Properties(mqtt.PacketTypes.CONNECT)
        properties.SessionExpiryInterval = 3600 if persistent else 0
        self.client.connect("127.0.0.1", port, clean_start=not persistent, properties=properties)
        self.client.loop_start()
        assert self.connected.wait(10), f"{cn} could not connect"

    def _on_publish(self, client: object, userdata: object, mid: int, reason: mqtt.ReasonCode, props: object) -> None:
        with self.changed:
            self.acks[mid] = reason
            self.changed.notify_all()

    def _on_disconnect(self, client: object, userdata: object, flags: object, reason: object, props: object) -> None:
        with self.changed:
            self.disconnected.set()
            self.changed.notify_all()

    def _on_message(self, client: object, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    def publish(self, topic: str, payload: bytes = b"x", *, retain: bool = False) -> str:
        """Publish at QoS 1; return the PUBACK's reason ("Success", "Not authorized") or "cut off"."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        with self.changed:
            self.changed.wait_for(lambda: info.mid in self.acks or self.disconnected.is_set(), timeout=30)
            return self.acks[info.mid].getName() if info.mid in self.acks else "cut off"

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        time.sleep(0.3)  # let the SUBACK arrive before anyone publishes

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_an_oversized_message_cuts_the_sender_off_and_a_full_bundle_still_passes(broker: Broker) -> None:
    central = Client(broker, "central")
    central.subscribe(topics.ingest_subscription("ingest-test"))
    terminal, claim = Client(broker, "LC0101"), Client(broker, "claim")
    try:
        full = bundle.MAGIC + b"\0" * (bundle.MAX_BUNDLE_BYTES - len(bundle.MAGIC))
        assert terminal.publish(topics.bundle("LC0101"), full) == "Success"
        assert terminal.publish(topics.up("LC0101", "application"), b"x" * 8 * MIB) == "cut off"
        huge = b"x" * 8 * MIB
        assert claim.publish(topics.claim_request(claim_cn(broker)), huge, retain=True) == "cut off"
        time.sleep(0.5)
        assert [len(m.payload) for m in central.messages] == [bundle.MAX_BUNDLE_BYTES]
    finally:
        for client in (central, terminal, claim):
            client.close()


def test_a_flood_for_an_offline_central_is_bounded_by_the_queue_limit(broker: Broker) -> None:
    central_id = f"central-{uuid.uuid4().hex[:6]}"
    central = Client(broker, "central", client_id=central_id, persistent=True)
    central.subscribe(f"{topics.PREFIX}/+/up/#")
    central.close()  # offline: its persistent session queues what arrives
    terminal = Client(broker, "LC0102")
    payload = b"y" * (bundle.MAX_BUNDLE_BYTES - 1024)
    try:
        before = broker.rss_mib()
        for _ in range(3 * MAX_QUEUED_BYTES // (2 * len(payload))):
            assert terminal.publish(topics.bundle("LC0102"), payload) == "Success"
        assert broker.rss_mib() - before < 1.25 * MAX_QUEUED_BYTES / MIB
    finally:
        terminal.close()
    central = Client(broker, "central", client_id=central_id, persistent=True)
    try:
        with central.changed:  # what was queued for it arrives: the bound, not the flood
            central.changed.wait_for(lambda: len(central.messages) >= MAX_QUEUED_BYTES // len(payload), timeout=60)
        time.sleep(1)
        assert MAX_QUEUED_BYTES // len(payload) <= len(central.messages) <= MAX_QUEUED_BYTES // len(payload) + 2
    finally:
        central.close()


def claim_cn(broker: Broker) -> str:
    """Return the CN of the claim medium `ca init` wrote."""
    cert = x509.load_pem_x509_certificate(broker.identity("claim")[0].read_bytes())
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


@pytest.mark.parametrize("service", ["claim", "fleet"])
def test_a_service_identity_writes_nothing_in_the_terminal_tree(broker: Broker, service: str) -> None:
    client = Client(broker, service)
    cn = claim_cn(broker) if service == "claim" else service
    try:
        for topic in (topics.up(cn, "application"), topics.bundle(cn), topics.telemetry(cn), topics.state(cn)):
            assert client.publish(topic) == "Not authorized", topic
    finally:
        client.close()


ALLOWED = {"Success", "No matching subscribers"}  # PUBACK reasons of a publish the ACL allows


def test_a_terminal_writes_only_the_uplink_subtopics_of_the_protocol(broker: Broker) -> None:
    terminal = Client(broker, "LC0103")
    try:
        for kind in topics.UP_KINDS:  # allowed: taken, whether or not central listens right now
            assert terminal.publish(topics.up("LC0103", kind)) in ALLOWED, kind
        assert terminal.publish(topics.bundle("LC0103"), bundle.MAGIC) in ALLOWED
        for topic in ("up/junk", "up/app/deeper", "other"):
            assert terminal.publish(f"{topics.PREFIX}/LC0103/{topic}") == "Not authorized", topic
    finally:
        terminal.close()


def test_the_protocol_document_shows_the_generated_acl_and_limits() -> None:
    text = (ROOT / "docs" / "protocol.md").read_text()
    assert f"```\n{topics.acl_lines(*SERVICE_CNS, claims=('claim-0a1b2c3d',))}```" in text
    assert f"```\n{topics.services_acl_lines()}```" in text
    assert f"| `max_packet_size` | {MAX_PACKET_BYTES:,} bytes" in text
    assert f"| `max_queued_bytes` | {MAX_QUEUED_BYTES // MIB} MiB" in text
    assert f"| `max_queued_messages` | {MAX_QUEUED_MESSAGES:,}" in text
