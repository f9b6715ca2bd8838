"""Central ingest without a broker: what it stores, refuses, and reports as sequence gaps."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine

from central.platform import queries
from central.platform.registry import RegistryError
from demo.devstack import ScratchPki
from protocol.envelope import Header, seal
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

TOPIC = "yc/v1/t/LC0001/up/"


@pytest.fixture
def central(tmp_path: Path, sqlite_db: Engine) -> Central:
    return Central(tmp_path, sqlite_db)


def envelope(central: Central, signer: ec.EllipticCurvePrivateKey, seq: int, kind: str, body: dict[str, object], *,
             message_id: str | None = None) -> bytes:
    header = Header("LC0001", seq, message_id or str(uuid.uuid4()), kind, "2026-11-22T07:00:00+00:00", "boot")
    return seal(header, json.dumps(body).encode(), central.keys.uplink.public_key(), signer)


def rating(central: Central, signer: ec.EllipticCurvePrivateKey, seq: int) -> bytes:
    return envelope(central, signer, seq, "rating", {"level": 4, "application_id": None})


def test_sequence_gaps_are_reported_until_filled(central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    late = {seq: rating(central, signer, seq) for seq in (3, 4, 7)}
    central.ingest.handle_batch([(TOPIC + "rating", rating(central, signer, s)) for s in (1, 2, 5, 6, 8)])
    gaps = [(g["terminal"], g["first_missing"], g["last_missing"]) for g in queries.gaps(central.ingest.engine)]
    assert gaps == [("LC0001", 3, 4), ("LC0001", 7, 7)]
    central.ingest.handle_batch([(TOPIC + "rating", late[3]), (TOPIC + "rating", late[4])])
    assert [g["first_missing"] for g in queries.gaps(central.ingest.engine)] == [7]
    # a refused but signed envelope fills its place: the terminal parked it, nothing is missing
    refused = envelope(central, signer, 7, "rating", {"level": 9})
    assert central.ingest.handle(TOPIC + "rating", refused).reason == "bad_content"  # type: ignore[union-attr]
    assert queries.gaps(central.ingest.engine) == []


def test_a_batch_with_copies_stores_one_and_acks_every_copy(
        central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    one = rating(central, signer, 1)
    acks = central.ingest.handle_batch([(TOPIC + "rating", one)] * 3)
    assert [a.status for a in acks if a] == ["stored", "duplicate", "duplicate"]
    assert [a.status for a in central.ingest.handle_batch([(TOPIC + "rating", one)]) if a] == ["duplicate"]
    assert len(central.stored()) == 1
    assert central.ingest.duplicates == 3


def test_a_terminal_cannot_name_another_in_its_envelope(central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    header = Header("LC0002", 1, str(uuid.uuid4()), "application", "2026-11-22T07:00:00+00:00", "boot")
    forged = seal(header, b"{}", central.keys.uplink.public_key(), signer)
    ack = central.ingest.handle("yc/v1/t/LC0001/up/app", forged)  # got past the broker on LC0001's topic
    assert ack is not None
    assert (ack.terminal, ack.status, ack.reason) == ("LC0001", "rejected", "terminal_mismatch")
    assert central.stored() == []


def test_an_application_whose_answers_fail_its_form_is_refused(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    content = store.application_content(str(application.id))
    store.close()
    content["values"]["contact.phone"] = "12345"
    tampered = envelope(central, signer, 1, "application", content, message_id=str(application.id))
    ack = central.ingest.handle(TOPIC + "app", tampered)
    assert ack is not None
    assert (ack.status, ack.reason) == ("rejected", "invalid_content")
    other = {**content, "terminal_id": "LC0002"}
    ack = central.ingest.handle(TOPIC + "app", envelope(central, signer, 2, "application", other, message_id=str(application.id)))
    assert ack is not None
    assert ack.reason == "bad_content"
    assert central.stored() == []


def test_messages_on_a_topic_outside_the_tree_get_no_ack(central: Central) -> None:
    assert central.ingest.handle("yc/v1/t/lowercase/up/app", b"{}") is None
    assert queries.refusals(central.ingest.engine) == [{"terminal": None, "reason": "bad_topic", "count": 1}]


def test_the_registry_takes_only_a_certificate_issued_to_the_terminal(tmp_path: Path, central: Central) -> None:
    cert, _, _ = ScratchPki(tmp_path / "pki").issue("LC0003")
    with pytest.raises(RegistryError, match="not issued to LC0004"):
        central.ingest.registry.add("LC0004", cert.read_bytes())
    with pytest.raises(RegistryError, match="not a PEM certificate"):
        central.ingest.registry.add("LC0004", b"garbage")
    with pytest.raises(RegistryError, match="no terminal"):
        central.ingest.registry.revoke("LC0005", "never registered")
