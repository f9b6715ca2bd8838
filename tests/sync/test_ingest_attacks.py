"""Issue #21 findings 4, 5 and 15: a malicious enrolled terminal against the real broker and central.

Its poison messages are each refused with a clear reason; every genuine message of another
terminal in the same window is stored and acknowledged on the first attempt.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError

from central.platform import queries
from central.platform.worker import IngestWorker
from demo.devstack import CENTRAL_USER, Mosquitto
from protocol import topics
from protocol.acks import Ack, open_acks
from protocol.envelope import Header, seal
from protocol.link import tls_client
from sync.keys import TerminalKeys, load_terminal_keys
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

ATTACKER = "LC0666"
BOMB = b"[" * 100_000 + b"]" * 100_000  # 200 kB: under the size limit, over Python's recursion limit


class Attacker:
    """An enrolled terminal that publishes whatever it likes on its own topics and reads its acks."""

    def __init__(self, broker: Mosquitto, central: Central, terminal: str = ATTACKER) -> None:
        link = broker.link(terminal)
        central.register(link, terminal)
        self.terminal, self.central = terminal, central
        self.keys: TerminalKeys = load_terminal_keys(
            Path(link.key), central.keys_dir / "uplink.pub", central.keys_dir / "ack.pub")
        self.acks: list[Ack] = []
        self.client = tls_client(f"{terminal}-raw", link)
        self.client.on_message = lambda c, u, m: self.acks.extend(open_acks(bytes(m.payload), terminal, self.keys.acks).acks)
        self.client.connect("127.0.0.1", broker.port)
        self.client.subscribe(topics.ack(terminal), qos=1)
        self.client.loop_start()

    def seal(self, kind: str, body: object, *, seq: int = 1, message_id: str | None = None,
             raw_body: bytes | None = None) -> bytes:
        """Return an envelope this terminal really signed (whatever its header says)."""
        header = Header(self.terminal, seq, message_id or str(uuid.uuid4()), kind, "2026-11-22T07:00:00+00:00", "boot")
        content = raw_body if raw_body is not None else json.dumps(body).encode()
        return seal(header, content, self.keys.central, self.keys.signer)

    def publish(self, payload: bytes, kind: str = "rating", *, retain: bool = False, topic: str | None = None) -> None:
        """Publish one message (QoS 1) and wait for the broker to take it."""
        self.client.publish(topic or topics.up(self.terminal, kind), payload, qos=1, retain=retain).wait_for_publish(10)

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def rating(attacker: Attacker, **fields: object) -> bytes:
    return attacker.seal("rating", {"level": 3, "application_id": None} | fields)


def unsigned_field(attacker: Attacker) -> bytes:
    """A signed rating with one more top-level field that no signature covers (finding 15)."""
    envelope = json.loads(rating(attacker))
    envelope["note"] = "not signed"
    return json.dumps(envelope, sort_keys=True, separators=(",", ":")).encode()


def duplicate_header(attacker: Attacker) -> bytes:
    """A signed rating preceded by a second, unsigned "h" that a lenient parser drops (finding 15)."""
    sealed = rating(attacker)
    fake = json.dumps({"h": {"terminal": "LC0001", "note": "the stored bytes say this"}})[1:-1]
    return b"{" + fake.encode() + b"," + sealed[1:]


def poison(attacker: Attacker) -> dict[str, tuple[bytes, str]]:
    """Each poison message of findings 4 and 15 and the reason central must refuse it with."""
    return {
        "seq 2**70": (attacker.seal("rating", {"level": 3}, seq=2**70), "bad_schema"),
        "seq 2**31": (attacker.seal("rating", {"level": 3}, seq=2**31), "bad_schema"),
        "negative seq": (attacker.seal("rating", {"level": 3}, seq=-1), "bad_schema"),
        "65-character id": (attacker.seal("rating", {"level": 3}, message_id="a" * 65), "bad_schema"),
        "100-character application_id": (rating(attacker, application_id="x" * 100), "bad_content"),
        "nesting bomb": (BOMB, "bad_encoding"),
        "nesting bomb in the signed body": (attacker.seal("rating", None, raw_body=BOMB[:150_000]), "bad_content"),
        "unsigned top-level field": (unsigned_field(attacker), "bad_schema"),
        "duplicate h": (duplicate_header(attacker), "bad_schema"),
    }


@pytest.fixture
def held_worker(broker: Mosquitto, central: Central) -> IngestWorker:
    """A worker that is subscribed but does not work until the test lets it (one batch takes everything)."""
    worker = IngestWorker(central.ingest, broker.link(CENTRAL_USER), name="ingest-held")
    worker.client.connect_async("127.0.0.1", broker.services_port)
    worker.client.loop_start()
    assert worker.ready.wait(10)
    central.workers.append(worker)  # stopped with the others
    return worker


@pytest.fixture
def central(tmp_path: Path, central_db: Engine) -> Iterator[Central]:
    stack = Central(tmp_path, central_db)
    yield stack
    stack.stop()


def wait_for(condition: object, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def max_attempts(store_engine: Engine) -> int:
    with store_engine.connect() as conn:
        return int(conn.execute(text("SELECT max(attempts) FROM outbox")).scalar_one())


def test_poison_in_the_same_batch_is_refused_and_the_other_terminal_is_stored_at_once(
        broker: Mosquitto, tmp_path: Path, central: Central, held_worker: IngestWorker) -> None:
    store = open_test_store(tmp_path / "terminal")
    genuine = {str(submit(store, i).id) for i in range(40)}
    attacker = Attacker(broker, central)
    messages = poison(attacker)
    agent = central.agent(broker, store)
    agent.start()
    assert agent.connected.wait(10)
    for payload, _ in list(messages.values())[:4]:
        attacker.publish(payload)
    agent.step()  # the genuine terminal's 40 applications in one bundle, between the poison
    for payload, _ in list(messages.values())[4:]:
        attacker.publish(payload)
    wait_for(lambda: held_worker.inbox.qsize() == len(messages) + 1, "not everything reached the worker")
    held_worker._thread.start()  # one batch: the genuine bundle and every poison message
    assert agent.run_until_drained(30)
    assert held_worker.failures == 0
    assert sorted(central.stored()) == sorted(genuine)
    assert max_attempts(store.engine) == 1  # stored and acknowledged on the first attempt
    refused = {(r["terminal"], r["reason"]): r["count"] for r in queries.refusals(central.ingest.engine)}
    expected: dict[tuple[str, str], int] = {}
    for _, reason in messages.values():
        expected[(ATTACKER, reason)] = expected.get((ATTACKER, reason), 0) + 1
    assert refused == expected
    wait_for(lambda: len(attacker.acks) >= len(messages) - 2, "the attacker got no rejections")
    assert {a.status for a in attacker.acks} == {"rejected"}  # (no ack for the bomb and the 65-character id)
    agent.stop()
    attacker.stop()
    store.close()


def test_a_stored_envelope_is_exactly_the_signed_bytes(broker: Mosquitto, central: Central) -> None:
    attacker = Attacker(broker, central)
    central.start_worker(broker)
    for payload in (unsigned_field(attacker), duplicate_header(attacker)):
        attacker.publish(payload)
    honest = rating(attacker)
    attacker.publish(honest)
    wait_for(lambda: len(attacker.acks) == 3, "not every message was answered")
    assert [a.status for a in attacker.acks].count("rejected") == 2
    with central.ingest.engine.connect() as conn:
        stored = conn.execute(text("SELECT envelope FROM messages")).scalars().all()
    assert [bytes(e) for e in stored] == [honest]
    attacker.stop()


def test_retained_uplink_messages_are_dropped_and_genuine_ones_acked(
        broker: Mosquitto, tmp_path: Path, central: Central) -> None:
    attacker = Attacker(broker, central)
    bad = attacker.seal("rating", {"level": 3}, seq=2**70)
    for n in range(2_000):  # each on its own topic: refused, a terminal writes only the protocol's subtopics
        attacker.publish(bad, topic=f"{topics.up(ATTACKER, 'rating')}/{n}", retain=True)
    for sub in topics.UPLINK:  # the broker keeps one retained message on each topic it may write
        attacker.publish(bad, topic=f"{topics.PREFIX}/{ATTACKER}/up/{sub}", retain=True)
    store = open_test_store(tmp_path / "terminal")
    genuine = {str(submit(store, i).id) for i in range(40)}
    worker = central.start_worker(broker)  # central (re)starts with the garbage waiting
    agent = central.agent(broker, store)
    agent.start()
    assert agent.run_until_drained(30)
    assert sorted(central.stored()) == sorted(genuine)
    assert max_attempts(store.engine) == 1
    assert worker.failures == 0
    wait_for(lambda: worker.retained == len(topics.UPLINK), f"{worker.retained} retained messages dropped")
    assert queries.refusals(central.ingest.engine) == []  # dropped before any work
    agent.stop()
    attacker.stop()
    store.close()


def test_an_id_another_terminal_stored_is_an_id_conflict_not_a_duplicate(
        broker: Mosquitto, tmp_path: Path, central: Central) -> None:
    store = open_test_store(tmp_path / "terminal")
    stored = str(submit(store).id)
    central.drain(broker, store)  # LC0001 stores its application
    attacker = Attacker(broker, central)
    attacker.publish(attacker.seal("rating", {"level": 1}, message_id=stored))
    wait_for(lambda: attacker.acks, "no answer")
    assert attacker.acks == [Ack(ATTACKER, stored, "rejected", "id_conflict")]  # not "duplicate": not stored
    # the same within one batch: two terminals send one id, the first is stored, the second refused
    same = str(uuid.uuid4())
    other = Attacker(broker, central, "LC0777")
    payloads = [(topics.up(ATTACKER, "rating"), attacker.seal("rating", {"level": 2}, message_id=same)),
                (topics.up("LC0777", "rating"), other.seal("rating", {"level": 2}, message_id=same))]
    acks = central.ingest.handle_batch(payloads)
    assert [(a.terminal, a.status, a.reason) for a in acks if a] == [
        (ATTACKER, "stored", ""), ("LC0777", "rejected", "id_conflict")]
    assert central.ingest.handle(*payloads[1]) == Ack("LC0777", same, "rejected", "id_conflict")
    assert central.ingest.handle(*payloads[0]) == Ack(ATTACKER, same, "duplicate")
    attacker.stop()
    other.stop()
    store.close()


def test_a_failing_batch_commit_is_retried_message_by_message(
        broker: Mosquitto, tmp_path: Path, central: Central, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: a row the checks let through but the database refuses costs only its own message."""
    attacker = Attacker(broker, central)
    good = [rating(attacker) for _ in range(3)]
    doomed = rating(attacker)
    doomed_id = json.loads(doomed)["h"]["id"]
    original = central.ingest._commit

    def refuse_doomed(checked: list) -> list:  # type: ignore[type-arg]
        if any(c.row is not None and c.row["id"] == doomed_id for c in checked):
            raise DataError("INSERT INTO messages", {}, ValueError("value too long for type character varying(64)"))
        return original(checked)

    monkeypatch.setattr(central.ingest, "_commit", refuse_doomed)
    acks = central.ingest.handle_batch([(topics.up(ATTACKER, "rating"), p) for p in [*good[:2], doomed, good[2]]])
    assert [a.status if a else None for a in acks] == ["stored", "stored", "rejected", "stored"]
    assert acks[2] == Ack(ATTACKER, doomed_id, "rejected", "central_error")
    attacker.stop()
