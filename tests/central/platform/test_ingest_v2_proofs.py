"""A v2 bundle's proof is stored once for all its envelopes, and every stored envelope still verifies on its own."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, delete, func, select, update

from central.platform import queries
from central.platform.database import make_engine
from central.platform.ingest import Ingest
from central.platform.schema import messages, proofs
from protocol import topics, uplink_v2
from protocol.acks import Ack
from protocol.envelope import EnvelopeError, Header, seal
from tests.sync.stack import Central

TOPIC = topics.bundle("LC0001")


@pytest.fixture
def central(tmp_path: Path, central_db: Engine) -> Central:
    return Central(tmp_path, central_db)


def rating(central: Central, seq: int) -> bytes:
    """Seal a rating of LC0001 as a v2 envelope (its body names its sequence number)."""
    header = Header("LC0001", seq, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot", v=uplink_v2.VERSION)
    body = json.dumps({"level": 1 + seq % 5, "application_id": None}).encode()
    return uplink_v2.seal(header, body, central.keys.uplink.public_key())


def stored_proofs(engine: Engine) -> dict[str, bytes | None]:
    """Return each stored message's proof digest, by message id."""
    with engine.connect() as conn:
        return {r.id: r.proof_digest for r in conn.execute(select(messages.c.id, messages.c.proof_digest))}


def proof_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(proofs)).scalar_one())


def stored_ids(central: Central) -> list[str]:
    """Return the stored ids in sequence order."""
    return central.ingest.stored_ids()


def statuses(acks: list[Ack | None]) -> list[str]:
    return [a.status for a in acks if a is not None]


def test_a_bundle_proof_is_stored_once_and_each_row_verifies_alone(
        central: Central, central_db: Engine, signer: ec.EllipticCurvePrivateKey) -> None:
    envelopes = [rating(central, seq) for seq in range(1, 6)]
    sent = uplink_v2.pack(envelopes, signer)
    assert statuses(central.ingest.handle_batch([(TOPIC, sent)])) == ["stored"] * 5
    assert statuses(central.ingest.handle_batch([(TOPIC, sent)])) == ["duplicate"] * 5  # a resend adds nothing
    digest = hashlib.sha256(uplink_v2.unpack(sent).proof()).digest()
    assert set(stored_proofs(central_db).values()) == {digest}
    assert proof_count(central_db) == 1
    for seq, message_id in enumerate(stored_ids(central), 1):
        body = json.loads(queries.content(central_db, central.keys, message_id) or b"")
        assert body["level"] == 1 + seq % 5
    later = rating(central, 6)  # the terminal resends one stored envelope beside a new one: a new bundle, a new proof
    acks = central.ingest.handle_batch([(TOPIC, uplink_v2.pack([envelopes[0], later], signer))])
    assert statuses(acks) == ["duplicate", "stored"]
    assert proof_count(central_db) == 2
    assert list(stored_proofs(central_db).values()).count(digest) == 5  # the stored rows keep their own proof


def test_a_stored_envelope_does_not_verify_with_a_damaged_or_missing_proof(
        central: Central, central_db: Engine, signer: ec.EllipticCurvePrivateKey) -> None:
    central.ingest.handle_batch([(TOPIC, uplink_v2.pack([rating(central, 1), rating(central, 2)], signer))])
    first = stored_ids(central)[0]
    with central_db.begin() as conn:
        proof = conn.execute(select(proofs.c.proof)).scalar_one()
        conn.execute(update(proofs).values(proof=proof[:-32] + bytes(32)))  # another hash in place of the last
    with pytest.raises(EnvelopeError, match="bad_signature"):
        queries.content(central_db, central.keys, first)
    with central_db.begin() as conn:
        conn.execute(delete(proofs))
    with pytest.raises(EnvelopeError, match="bad_proof"):
        queries.content(central_db, central.keys, first)


def test_two_workers_storing_one_bundle_at_once_keep_one_proof(
        central: Central, central_url: str, central_db: Engine, signer: ec.EllipticCurvePrivateKey) -> None:
    sent = uplink_v2.pack([rating(central, seq) for seq in range(1, 41)], signer)
    engines = [make_engine(central_url) for _ in range(2)]
    workers = [Ingest(engine, central.keys, central.ingest.archive) for engine in engines]
    start = threading.Barrier(2)
    acks: list[list[Ack | None]] = [[], []]

    def store(n: int) -> None:
        start.wait()
        acks[n] = workers[n].handle_batch([(TOPIC, sent)])

    threads = [threading.Thread(target=store, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses(acks[0]) + statuses(acks[1])) == ["duplicate"] * 40 + ["stored"] * 40
    assert len(stored_proofs(central_db)) == 40
    assert proof_count(central_db) == 1
    for engine in engines:
        engine.dispose()


def test_v1_envelopes_are_stored_without_a_proof(
        central: Central, central_db: Engine, signer: ec.EllipticCurvePrivateKey) -> None:
    header = Header("LC0001", 1, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot")
    sealed = seal(header, b'{"level": 4, "application_id": null}', central.keys.uplink.public_key(), signer)
    acks = central.ingest.handle_batch([("yc/v1/t/LC0001/up/rating", sealed)])
    assert statuses(acks) == ["stored"]
    assert list(stored_proofs(central_db).values()) == [None]
    assert proof_count(central_db) == 0
    assert json.loads(queries.content(central_db, central.keys, stored_ids(central)[0]) or b"")["level"] == 4
