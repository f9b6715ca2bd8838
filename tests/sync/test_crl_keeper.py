"""The terminal's CRL keeper and the enrollment service's publisher: what each says when the CRL cannot flow."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from protocol import crl, topics
from provisioning import pki
from provisioning.crlpub import CrlPublisher
from sync.crl import CrlKeeper

PASSPHRASE = b"correct horse battery"


class Events:
    """What the keeper records for ops (the store's record_event, kept in a list)."""

    def __init__(self) -> None:
        self.kinds: list[tuple[str, dict[str, Any]]] = []

    def record_event(self, kind: str, severity: str, detail: dict[str, Any]) -> None:
        self.kinds.append((kind, detail))


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


def _message(payload: bytes) -> mqtt.MQTTMessage:
    message = mqtt.MQTTMessage(topic=topics.CRL.encode())
    message.payload = payload
    return message


def _client() -> mqtt.Client:
    return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="crl-test", protocol=mqtt.MQTTv5)


def test_the_keeper_keeps_the_cas_crl_and_records_what_it_refuses(issuer: pki.Issuer, tmp_path: Path) -> None:
    events, held = Events(), tmp_path / "crl.pem"
    keeper, client = CrlKeeper(held, issuer.cert, events), _client()
    keeper._on_message(client, None, _message((issuer.directory / "issuing" / "crl.pem").read_bytes()))
    keeper.step(client)
    assert crl.held(held, issuer.cert) is not None
    keeper._on_message(client, None, _message(b"0" * (crl.MAX_CRL + 1)))  # dropped on paho's thread, said later
    keeper._on_message(client, None, _message(b"\x30\x82\xff\xff" + b"\x00" * 64))  # hostile DER
    keeper.step(client)
    assert [kind for kind, _ in events.kinds] == ["crl_refused", "crl_refused"]
    assert "over the" in str(events.kinds[0][1]["message"])
    assert keeper.kept == 1


def test_a_refused_subscription_is_recorded_once_it_is_the_crls(issuer: pki.Issuer, tmp_path: Path) -> None:
    events = Events()
    keeper, client = CrlKeeper(tmp_path / "crl.pem", issuer.cert, events), _client()
    keeper._subscription = 7  # as connected() notes the SUBSCRIBE's message id
    keeper.subscribed(6, [ReasonCode(PacketTypes.SUBACK, "Not authorized")])  # another topic's
    keeper.subscribed(7, [ReasonCode(PacketTypes.SUBACK, "Granted QoS 1")])
    keeper.step(client)
    assert events.kinds == []
    keeper.subscribed(7, [ReasonCode(PacketTypes.SUBACK, "Not authorized")])
    keeper.step(client)
    assert [kind for kind, _ in events.kinds] == ["crl_subscribe_refused"]
    assert "provision broker-config" in str(events.kinds[0][1]["message"])


def test_the_publisher_says_when_the_broker_refuses_the_crl_and_publishes_it_again(
        issuer: pki.Issuer, caplog: pytest.LogCaptureFixture) -> None:
    publisher, client = CrlPublisher(issuer.directory / "issuing" / "crl.pem", every=0.0), _client()
    publisher.connected()
    publisher.step(client)  # queued by paho until a connection: its message id is what the PUBACK will name
    pem = (issuer.directory / "issuing" / "crl.pem").read_bytes()
    assert publisher.published == x509.load_pem_x509_crl(pem).public_bytes(serialization.Encoding.DER)
    assert len(publisher.sent) == 1
    publisher.step(client)
    assert len(publisher.sent) == 1  # unchanged file, no connection since: nothing published again
    with caplog.at_level(logging.ERROR, logger="provisioning.crlpub"):
        publisher.acknowledged(publisher.sent[-1], ReasonCode(PacketTypes.PUBACK, "Not authorized"))
        publisher.step(client)
    assert "provision broker-config" in caplog.text
    assert len(publisher.sent) == 2  # published again: an ACL fixed meanwhile takes it
