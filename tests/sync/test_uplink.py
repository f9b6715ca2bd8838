"""Applications queued offline reach central exactly once through a real broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import Engine, create_engine, text

from central.platform.ingest import Ingest
from central.platform.worker import IngestWorker
from kiosk.store import outbox
from kiosk.store.store import Store
from sync.agent import Link, SyncAgent
from sync.envelope import raw_public
from tests.store.helpers import open_test_store, submit
from tests.sync.broker import CENTRAL_USER, Mosquitto, ScratchPki

CENTRAL_KEY = x25519.X25519PrivateKey.generate()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    server = Mosquitto(tmp_path / "broker", ScratchPki(tmp_path / "pki"))
    (tmp_path / "broker").mkdir()
    server.start()
    yield server
    server.stop()


def link(broker: Mosquitto, cn: str) -> tuple[Link, ec.EllipticCurvePrivateKey]:
    cert, key, private = broker.pki.issue(cn)
    return Link("127.0.0.1", broker.port, str(broker.pki.ca_path), str(cert), str(key)), private


POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def central_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """Central's database: an SQLite file, or a private schema in the machine's PostgreSQL."""
    if request.param == "sqlite":
        yield create_engine(f"sqlite:///{tmp_path}/central.db")
        return
    schema = f"yc_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(POSTGRES, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def central(broker: Mosquitto, engine: Engine, registry: dict[str, ec.EllipticCurvePublicKey]) -> IngestWorker:
    ingest = Ingest(engine, CENTRAL_KEY, registry.get)
    worker = IngestWorker(ingest, link(broker, CENTRAL_USER)[0])
    worker.start()
    assert worker.ready.wait(10)
    return worker


def wait_until_stored(worker: IngestWorker, count: int, step: Callable[[], object] | None = None) -> None:
    """Wait (pumping ``step`` if given) until central has stored ``count`` applications."""
    deadline = time.monotonic() + 60
    while len(worker.ingest.stored_ids()) < count:
        assert time.monotonic() < deadline, "the drain made no progress"
        if step is not None:
            step()
        time.sleep(0.01)


def terminal(broker: Mosquitto, store: Store, cn: str = "LC0001") -> tuple[SyncAgent, ec.EllipticCurvePrivateKey]:
    terminal_link, key = link(broker, cn)
    agent = SyncAgent(store, cn, key, CENTRAL_KEY.public_key(), terminal_link, ack_timeout=timedelta(seconds=2))
    return agent, key


def test_applications_queued_offline_drain_exactly_once(broker: Mosquitto, tmp_path: Path,
                                                       central_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(40)}  # queued while nothing is connected
    agent, key = terminal(broker, store)
    worker = central(broker, central_db, {"LC0001": key.public_key()})
    agent.start()
    assert agent.run_until_drained(60)
    assert set(worker.ingest.stored_ids()) == submitted
    # every entry is acked; a resend of the whole outbox is acknowledged again, never stored twice
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET status = 'pending', attempts = 0, acked_at = NULL"))
    assert agent.run_until_drained(60)
    assert len(worker.ingest.stored_ids()) == 40
    assert store.count_unacked() == 0
    agent.stop()
    worker.stop()
    store.close()


def test_an_envelope_signed_by_the_wrong_key_is_rejected_and_parked(broker: Mosquitto, tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    agent, _ = terminal(broker, store)
    worker = central(broker, create_engine(f"sqlite:///{tmp_path}/central.db"),
                     {"LC0001": ec.generate_private_key(ec.SECP256R1()).public_key()})
    agent.start()
    assert agent.run_until_drained(30)
    assert worker.ingest.stored_ids() == []
    assert outbox.pending(store) == []
    events = store.events("outbox_rejected")
    assert events[0]["detail"] == {"record": str(application.id), "reason": "bad_signature"}
    agent.stop()
    worker.stop()
    store.close()


def test_central_ingest_survives_garbage_on_a_terminal_topic(broker: Mosquitto, tmp_path: Path) -> None:
    worker = central(broker, create_engine(f"sqlite:///{tmp_path}/central.db"), {})
    terminal_link, _ = link(broker, "LC0009")
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="garbage", protocol=mqtt.MQTTv5)
    client.tls_set(ca_certs=terminal_link.ca, certfile=terminal_link.cert, keyfile=terminal_link.key)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    for payload in (b"\xff\xfe", b"{}", b'{"h": 1}', b"x" * 300_000):
        client.publish("yc/v1/t/LC0009/up/app", payload, qos=1).wait_for_publish(10)
    deadline = time.monotonic() + 10
    with worker.ingest.engine.connect() as conn:
        while conn.execute(text("SELECT count(*) FROM rejected")).scalar_one() < 4:
            assert time.monotonic() < deadline, "garbage was not counted"
            time.sleep(0.1)
    client.loop_stop()
    client.disconnect()
    assert worker._thread.is_alive()
    worker.stop()


def test_a_broker_restart_mid_drain_loses_and_duplicates_nothing(broker: Mosquitto, tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(60)}
    agent, key = terminal(broker, store)
    worker = central(broker, create_engine(f"sqlite:///{tmp_path}/central.db"), {"LC0001": key.public_key()})
    agent.start()
    wait_until_stored(worker, 10, agent.step)  # part of the way through
    broker.stop()
    broker.start()  # the same port: both clients reconnect by themselves
    assert agent.run_until_drained(90)
    assert sorted(worker.ingest.stored_ids()) == sorted(submitted)
    agent.stop()
    worker.stop()
    store.close()


def test_a_new_agent_process_after_a_crash_finishes_the_drain(broker: Mosquitto, tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(30)}
    first, key = terminal(broker, store)
    worker = central(broker, create_engine(f"sqlite:///{tmp_path}/central.db"), {"LC0001": key.public_key()})
    first.start()
    wait_until_stored(worker, 1, first.step)
    first.client.loop_stop()  # dies without a goodbye, as kill -9 does; in-memory state is gone
    first.client.socket().close()  # type: ignore[union-attr]
    second = SyncAgent(store, "LC0001", key, CENTRAL_KEY.public_key(), first.link, ack_timeout=timedelta(seconds=2))
    second.start()
    assert second.run_until_drained(90)
    assert sorted(worker.ingest.stored_ids()) == sorted(submitted)
    second.stop()
    worker.stop()
    store.close()


def test_two_workers_share_the_uplink_and_store_each_application_once(broker: Mosquitto, tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(60)}
    agent, key = terminal(broker, store)
    engine = create_engine(f"sqlite:///{tmp_path}/central.db")
    registry = {"LC0001": key.public_key()}
    workers = [central(broker, engine, registry)]
    second = IngestWorker(Ingest(engine, CENTRAL_KEY, registry.get), link(broker, CENTRAL_USER)[0], name="ingest-2")
    second.start()
    assert second.ready.wait(10)
    workers.append(second)
    agent.start()
    assert agent.run_until_drained(60)
    assert sorted(workers[0].ingest.stored_ids()) == sorted(submitted)
    handled = [w.handled for w in workers]
    assert all(handled), handled  # the shared subscription split the load
    for worker in workers:
        worker.stop()
    agent.stop()
    store.close()


def test_an_envelope_naming_another_terminal_is_refused_by_central(tmp_path: Path) -> None:
    from sync.envelope import Header, seal

    key = ec.generate_private_key(ec.SECP256R1())
    ingest = Ingest(create_engine(f"sqlite:///{tmp_path}/central.db"), CENTRAL_KEY,
                    {"LC0001": key.public_key(), "LC0002": key.public_key()}.get)
    header = Header("LC0002", 1, str(uuid.uuid4()), "application", "2026-11-22T07:00:00+00:00", "boot")
    forged = seal(header, b"{}", CENTRAL_KEY.public_key(), key)
    ack = ingest.handle("yc/v1/t/LC0001/up/app", forged)  # got past the broker on LC0001's topic
    assert ack is not None
    assert (ack.terminal, ack.status, ack.reason) == ("LC0001", "rejected", "terminal_mismatch")
    assert ingest.stored_ids() == []


def test_the_sync_agent_process_killed_mid_drain_and_restarted(broker: Mosquitto, tmp_path: Path) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(120)}
    store.close()
    cert, key_path, key = broker.pki.issue("LC0001")
    worker = central(broker, create_engine(f"sqlite:///{tmp_path}/central.db"), {"LC0001": key.public_key()})
    spec = tmp_path / "agent.json"
    spec.write_text(json.dumps({"store": str(tmp_path / "terminal"), "port": broker.port, "ca": str(broker.pki.ca_path),
                                "cert": str(cert), "key": str(key_path), "terminal": "LC0001",
                                "central": raw_public(CENTRAL_KEY.public_key()).hex()}))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "tests.sync.agent_worker", str(spec)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=root)
    wait_until_stored(worker, 20)  # part of the way through
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root, timeout=180, check=False)
    assert second.stdout.split()[-1] == "drained", second.stderr[-2000:]
    assert sorted(worker.ingest.stored_ids()) == sorted(submitted)  # each exactly once
    reopened = open_test_store(tmp_path / "terminal")
    assert reopened.count_unacked() == 0
    assert outbox.pending(reopened) == []
    reopened.close()
    worker.stop()
