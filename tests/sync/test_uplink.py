"""Applications, ratings and help requests queued offline reach central exactly once through a real broker."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import Engine, text

from central.platform import queries
from central.platform.catalogs import CatalogArchive
from central.platform.database import make_engine
from demo.devstack import CENTRAL_USER, Mosquitto
from domain.application import Draft
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from kiosk.services.submit import submit_application
from kiosk.store import outbox
from protocol import topics
from protocol.acks import Ack, seal_acks
from protocol.link import tls_client
from tests.common import ROOT
from tests.kiosk.store.helpers import answers, open_test_store, submit
from tests.sync.stack import Central, terminal_config


def test_applications_queued_offline_drain_exactly_once_after_the_broker_comes_up(
        broker: Mosquitto, tmp_path: Path, central_db: Engine) -> None:
    broker.stop()  # the link is down while citizens keep applying
    store = open_test_store(tmp_path / "terminal")
    central = Central(tmp_path, central_db)
    agent = central.agent(broker, store)
    agent.start()
    submitted = {str(submit(store, i).id) for i in range(500)}
    assert agent.run_until_drained(1) is False  # nothing gets through
    broker.start()
    central.start_worker(broker)
    assert agent.run_until_drained(120)
    assert sorted(central.stored()) == sorted(submitted)
    for record in submitted:  # identical content, still sealed at rest at central
        assert json.loads(queries.content(central_db, central.keys, record) or b"") == store.application_content(record)
    # a resend of the whole outbox is acknowledged again, never stored twice
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE outbox SET status = 'pending', attempts = 0, acked_at = NULL, next_attempt_at = NULL"))
    assert agent.run_until_drained(120)
    assert len(central.stored()) == 500
    assert store.count_unacked() == 0
    assert central.ingest.duplicates >= 500
    agent.stop()
    central.stop()
    store.close()


@pytest.mark.parametrize("protocol", [1, 2])  # v1: each envelope signed; v2: the bundle, refused whole
def test_envelopes_signed_by_the_wrong_key_are_rejected_and_parked(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine, protocol: int) -> None:
    store = open_test_store(tmp_path / "terminal")
    ids = {str(submit(store, i).id) for i in range(3)}
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store, protocol=protocol)
    central.register(broker.link("LC0001"), "LC0001")  # the registry holds another certificate than the agent's
    central.start_worker(broker)
    agent.start()
    assert agent.run_until_drained(30)
    assert central.stored() == []
    assert outbox.pending(store) == []
    parked = {e["detail"]["record"]: e["detail"]["reason"] for e in store.events("outbox_rejected")}
    assert parked == dict.fromkeys(ids, "bad_signature")
    agent.stop()
    central.stop()
    store.close()


def test_unknown_and_revoked_terminals_are_refused(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    central.start_worker(broker)
    stores = {cn: open_test_store(tmp_path / cn) for cn in ("LC0007", "LC0008")}
    unknown = central.agent(broker, stores["LC0007"], "LC0007", register=False)
    revoked = central.agent(broker, stores["LC0008"], "LC0008")
    central.ingest.registry.revoke("LC0008", "stolen from the hall")
    for cn, agent in (("LC0007", unknown), ("LC0008", revoked)):
        submit(stores[cn])
        agent.start()
        assert agent.run_until_drained(30)
        agent.stop()
    assert central.stored() == []
    reasons = {(r["terminal"], r["reason"]) for r in queries.refusals(sqlite_db)}
    assert reasons == {("LC0007", "unknown_terminal"), ("LC0008", "revoked_terminal")}
    assert stores["LC0008"].events("outbox_rejected")[0]["detail"]["reason"] == "revoked_terminal"
    central.stop()
    for store in stores.values():
        store.close()


def test_garbage_on_a_terminal_topic_is_counted_and_the_worker_goes_on(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    worker = central.start_worker(broker)
    client = tls_client("garbage", broker.link("LC0009"))
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    payloads = (b"\xff\xfe", b"{}", b'{"h": 1}', b"x" * 300_000, b'{"h": {"v": 2}}', b"[]")
    for payload in payloads:
        client.publish("yc/v1/t/LC0009/up/app", payload, qos=1).wait_for_publish(10)
    deadline = time.monotonic() + 10
    while sum(r["count"] for r in queries.refusals(sqlite_db)) < len(payloads):
        assert time.monotonic() < deadline, "garbage was not counted"
        time.sleep(0.1)
    client.loop_stop()
    client.disconnect()
    assert {r["reason"] for r in queries.refusals(sqlite_db)} == {
        "bad_encoding", "bad_schema", "oversized", "bad_schema_version"}
    assert worker.alive()
    central.stop()


def test_a_broker_restart_mid_drain_loses_and_duplicates_nothing(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(60)}
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store)
    central.start_worker(broker)
    agent.start()
    central.wait_until_stored(10, agent.step)  # part of the way through
    broker.stop()
    broker.start()  # the same port: both clients reconnect by themselves
    assert agent.run_until_drained(90)
    assert sorted(central.stored()) == sorted(submitted)
    agent.stop()
    central.stop()
    store.close()


def test_two_workers_share_the_uplink_and_store_each_application_once(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    submitted = {str(submit(store, i).id) for i in range(80)}
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store)
    workers = [central.start_worker(broker, "ingest-1"), central.start_worker(broker, "ingest-2")]
    agent.start()
    assert agent.run_until_drained(60)
    assert sorted(central.stored()) == sorted(submitted)
    handled = [w.handled for w in workers]
    assert all(handled), handled  # the shared subscription split the load
    central.stop()
    agent.stop()
    store.close()


def test_an_application_under_an_older_catalog_is_accepted_an_unpublished_one_refused(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    older_dir, unpublished_dir = tmp_path / "older-catalog", tmp_path / "unpublished-catalog"
    for folder, version in ((older_dir, "2026.10.3"), (unpublished_dir, "2026.12.0-draft")):
        shutil.copytree(SAMPLE_CATALOG, folder)
        meta = folder / "catalog.toml"
        text, changed = re.subn(r'^version = ".*"$', f'version = "{version}"', meta.read_text(), count=1, flags=re.M)
        assert changed == 1
        meta.write_text(text)
    central = Central(tmp_path, sqlite_db, CatalogArchive.load(None, SAMPLE_CATALOG, older_dir))
    store = open_test_store(tmp_path / "terminal")
    made = {}
    for folder in (older_dir, unpublished_dir):
        catalog = load_catalog(folder)
        application, _ = submit_application(
            store, catalog=catalog, hall=catalog.halls["lc-center"], terminal_id="LC0001",
            draft=Draft(catalog.offering("SB-001"), answers()), now=datetime.now(UTC))
        made[catalog.version] = str(application.id)
    central.drain(broker, store)
    assert central.stored() == [made["2026.10.3"]]
    assert queries.applications(sqlite_db)[0]["catalog_version"] == "2026.10.3"
    parked = store.events("outbox_rejected")
    assert parked[0]["detail"] == {"record": made["2026.12.0-draft"], "reason": "unknown_catalog_version"}
    central.stop()
    store.close()


def test_ratings_and_help_requests_reach_central_and_ops_lists(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    from click.testing import CliRunner

    from main import cli

    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    store.rate(str(application.id), 1, "等了很久")
    store.rate(None, 5)
    store.request_help("form", "SB-001", str(application.id))
    central = Central(tmp_path, sqlite_db)
    central.drain(broker, store)
    central.stop()
    db = ["--db", str(sqlite_db.url)]
    bad = json.loads(CliRunner().invoke(cli, ["central", "ratings", "--bad", "--json", *db]).output)
    assert [(r["level"], r["number"], r["item"]) for r in bad] == [(1, application.number, "SB-001")]
    everything = json.loads(CliRunner().invoke(cli, ["central", "ratings", "--json", *db]).output)
    assert sorted(r["level"] for r in everything) == [1, 5]
    helps = CliRunner().invoke(cli, ["central", "help-requests", *db]).output
    assert "LC0001" in helps
    assert "SB-001" in helps
    apps = json.loads(CliRunner().invoke(cli, ["central", "apps", "list", "--terminal", "LC0001", "--json", *db]).output)
    assert [a["number"] for a in apps] == [application.number]
    assert "等了很久" not in CliRunner().invoke(cli, ["central", "ratings", *db]).output  # comments stay sealed
    store.close()


def test_an_ack_not_signed_by_central_is_ignored(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store)  # no worker runs: only the forger answers
    agent.start()
    assert agent.connected.wait(10)
    agent.step()
    forger = tls_client("forger", broker.link(CENTRAL_USER))  # even with the broker's central identity
    forger.connect("127.0.0.1", broker.services_port)
    forger.loop_start()
    forged = seal_acks("LC0001", [Ack("LC0001", str(application.id), "stored")], ed25519.Ed25519PrivateKey.generate())
    forger.publish(topics.ack("LC0001"), forged, qos=1).wait_for_publish(10)
    deadline = time.monotonic() + 10
    while agent.bad_acks == 0:
        assert time.monotonic() < deadline, "the forged ack never arrived"
        agent.step()
        time.sleep(0.05)
    assert store.count_unacked() == 1  # still waiting for central's own ack
    forger.loop_stop()
    forger.disconnect()
    agent.stop()
    store.close()


def _yichuang(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), *args]


def _serve(broker: Mosquitto, central: Central, url: str) -> subprocess.Popen[str]:
    link = broker.link(CENTRAL_USER)
    command = _yichuang("central", "serve", "--broker", f"mqtts://127.0.0.1:{broker.services_port}", "--ca", link.ca,
                        "--cert", link.cert, "--key", link.key, "--keys", str(central.keys_dir), "--db", url)
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_processes_killed_mid_drain_central_worker_and_sync_agent(
        broker: Mosquitto, tmp_path: Path, central_url: str) -> None:
    """kill -9 the central process mid-ingest and the terminal's agent mid-drain; new ones finish, exactly once."""
    engine = make_engine(central_url)
    terminal_dir = tmp_path / "terminal"
    store = open_test_store(terminal_dir)
    submitted = {str(submit(store, i).id) for i in range(150)}
    store.close()
    central = Central(tmp_path, engine)
    config = terminal_config(terminal_dir, broker, central)
    env = {**os.environ, "YICHUANG_CONFIG": str(config)}
    server = _serve(broker, central, central_url)
    agent = subprocess.Popen(_yichuang("sync", "run"), env=env, stderr=subprocess.DEVNULL, cwd=ROOT)
    central.wait_until_stored(30)
    server.send_signal(signal.SIGKILL)  # central dies mid-ingest
    server.wait(timeout=10)
    time.sleep(0.5)
    agent.send_signal(signal.SIGKILL)  # and the agent dies mid-drain
    agent.wait(timeout=10)
    assert len(central.stored()) < len(submitted)
    server = _serve(broker, central, central_url)
    finish = subprocess.run(_yichuang("sync", "run", "--until-drained", "--timeout", "150"), env=env,
                            capture_output=True, text=True, cwd=ROOT, timeout=200, check=False)
    assert finish.returncode == 0, finish.stderr[-2000:]
    assert sorted(central.stored()) == sorted(submitted)  # each exactly once
    status = subprocess.run(_yichuang("sync", "status", "--json"), env=env, capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert json.loads(status.stdout) | {"oldest_unsynced_seconds": None} == {
        "pending": 0, "awaiting_ack": 0, "needs_manual": 0, "acknowledged": 150, "oldest_unsynced_seconds": None}
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=20) == 0
    assert "stopped after" in (server.stderr.read() if server.stderr else "")
    engine.dispose()



def test_an_entry_the_terminal_cannot_read_is_parked_and_the_rest_drains(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    store = open_test_store(tmp_path / "terminal")
    ids = [str(submit(store, i).id) for i in range(3)]
    with store.engine.begin() as conn:  # a damaged record (bad sector, bug): it must not block the queue
        conn.execute(text("UPDATE applications SET content = :junk WHERE id = :id"), {"junk": b"\x01" * 40, "id": ids[1]})
    central = Central(tmp_path, sqlite_db)
    central.drain(broker, store)
    assert sorted(central.stored()) == sorted([ids[0], ids[2]])
    parked = store.events("outbox_rejected")
    assert parked[0]["detail"] == {"record": ids[1], "reason": "unreadable_on_terminal: DecryptionFailed"}
    central.stop()
    store.close()


def test_a_broker_that_refuses_the_terminal_is_reported_not_hammered(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    from demo.devstack import ScratchPki
    from protocol.link import Link
    from sync.agent import SyncAgent
    from sync.keys import load_terminal_keys

    store = open_test_store(tmp_path / "terminal")
    submit(store)
    central = Central(tmp_path, sqlite_db)
    stranger_cert, stranger_key, _ = ScratchPki(tmp_path / "foreign-ca").issue("LC0001")  # not the broker's CA
    keys = load_terminal_keys(stranger_key, central.keys_dir / "uplink.pub", central.keys_dir / "ack.pub")
    stranger = SyncAgent(store, "LC0001", keys, Link("127.0.0.1", broker.port, str(broker.pki.ca_path),
                                                      str(stranger_cert), str(stranger_key)))
    stranger.start()
    assert stranger.run_until_drained(4) is False
    assert "certificate" in stranger.refused or "TLS handshake" in stranger.refused
    stranger.stop()
    # a certificate for another terminal: the ACL refuses publishing on LC0001's topics (PUBACK 0x87)
    impostor = central.agent(broker, store, "LC0002")
    impostor.terminal = "LC0001"
    impostor.start()
    assert impostor.run_until_drained(4) is False
    assert "Not authorized" in impostor.refused
    assert outbox.backlog(store) == 1  # nothing lost, nothing sent in a hot loop
    assert store.count_unacked() == 1
    impostor.stop()
    store.close()
