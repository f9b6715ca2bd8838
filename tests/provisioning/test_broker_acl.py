"""The broker enforces the topic tree: a terminal writes only its own up/ and reads only its own down/."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest

from demo.devstack import CENTRAL_USER, Mosquitto, ScratchPki
from protocol import topics
from protocol.link import tls_client


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    directory = tmp_path_factory.mktemp("mosquitto")
    server = Mosquitto(directory, ScratchPki(directory / "pki"))
    server.start()
    yield server
    server.stop()


class Client:
    """A paho MQTT 5 client over TLS with a client certificate; records PUBACK reason codes."""

    def __init__(self, broker: Mosquitto, cn: str) -> None:
        link = broker.link(cn)  # a service logs in on the services listener, a terminal on the public one
        self.client = tls_client(topics.service_client_id(cn, uuid.uuid4().hex[:6]), link)
        self.acks: dict[int, mqtt.ReasonCode] = {}
        self.messages: list[mqtt.MQTTMessage] = []
        self.connected, self.changed = threading.Event(), threading.Condition()
        self.client.on_connect = lambda c, u, f, rc, p: self.connected.set()
        self.client.on_publish = self._on_publish
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", link.port)
        self.client.loop_start()
        assert self.connected.wait(10), f"{cn} could not connect"

    def _on_publish(self, client: object, userdata: object, mid: int, reason: mqtt.ReasonCode, props: object) -> None:
        with self.changed:
            self.acks[mid] = reason
            self.changed.notify_all()

    def _on_message(self, client: object, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self.changed:
            self.messages.append(message)
            self.changed.notify_all()

    def publish(self, topic: str) -> mqtt.ReasonCode:
        info = self.client.publish(topic, b"x", qos=1)
        with self.changed:
            assert self.changed.wait_for(lambda: info.mid in self.acks, timeout=10)
            return self.acks[info.mid]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def test_a_terminal_writes_its_own_uplink_and_not_another_ones(broker: Mosquitto) -> None:
    terminal = Client(broker, "LC0001")
    try:
        assert not terminal.publish(topics.up("LC0001", "application")).is_failure
        denied = terminal.publish(topics.up("LC0002", "application"))
        assert denied.is_failure
        assert denied.getName() == "Not authorized"  # MQTT 5 says so; 3.1.1 would have acked silently
        assert terminal.publish(topics.ack("LC0001")).is_failure  # nor forge its own acks
    finally:
        terminal.close()


def test_central_receives_uplink_on_the_shared_subscription(broker: Mosquitto) -> None:
    central, terminal = Client(broker, CENTRAL_USER), Client(broker, "LC0003")
    try:
        central.client.subscribe(topics.ingest_subscription(topics.ingest_group(b"central's key")), qos=1)
        time.sleep(0.3)  # let the SUBACK arrive before publishing
        assert not terminal.publish(topics.up("LC0003", "application")).is_failure
        with central.changed:
            assert central.changed.wait_for(lambda: central.messages, timeout=10)
        assert topics.terminal_of(central.messages[0].topic) == "LC0003"
    finally:
        central.close()
        terminal.close()


def test_the_fleet_monitor_reads_telemetry_and_never_envelopes(broker: Mosquitto) -> None:
    fleet, terminal = Client(broker, "fleet"), Client(broker, "LC0004")
    try:
        fleet.client.subscribe("yc/v1/t/+/up/#", qos=1)
        fleet.client.subscribe("yc/v1/t/+/telemetry", qos=1)
        time.sleep(0.3)
        assert not terminal.publish(topics.up("LC0004", "application")).is_failure
        assert not terminal.publish(topics.telemetry("LC0004")).is_failure
        with fleet.changed:
            assert fleet.changed.wait_for(lambda: fleet.messages, timeout=10)
        time.sleep(0.3)  # give a wrongly delivered envelope time to arrive too
        assert [m.topic for m in fleet.messages] == ["yc/v1/t/LC0004/telemetry"]
        assert fleet.publish(topics.ack("LC0004")).is_failure  # it writes nothing
    finally:
        fleet.close()
        terminal.close()
