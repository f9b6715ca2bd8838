"""Issue #21 finding 2: no identity can take a client's id, and with it its session, its will and its queued acks.

On the public listener the broker makes every client's id its certificate's CN; on the services
listener an impostor without the service's password is refused before any session is touched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from paho.mqtt.reasoncodes import ReasonCode
from sqlalchemy import Engine, text

from demo.devstack import Mosquitto
from protocol import heartbeat, topics
from protocol.link import Link, tls_client
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

INGEST_ID = topics.service_client_id("central", "ingest-1")
MONITOR_ID = topics.service_client_id("fleet", "monitor")
ENROLLMENT_ID = topics.service_client_id("enrollment", "host-1")
TAKEN = ("LC0001", "LC0001-sync", INGEST_ID, MONITOR_ID, ENROLLMENT_ID, "enrollment", "fleet-monitor")


class Watched:
    """A service connection that records every disconnect and every presence message it reads."""

    def __init__(self, link: Link, client_id: str) -> None:
        self.disconnects: list[str] = []
        self.presence: list[str] = []
        self.ready = threading.Event()
        self.client = tls_client(client_id, link)
        self.client.on_disconnect = lambda c, u, f, rc, p: self.disconnects.append(str(rc))
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = lambda c, u, m: self.presence.append(heartbeat.read_presence(m.payload).reason)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.state("LC0001"), qos=1)
        self.client.connect(link.host, link.port)
        self.client.loop_start()
        assert self.ready.wait(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def attempt(link: Link, client_id: str) -> str:
    """Connect as ``client_id`` with ``link``; return the broker's answer ("Success", a refusal, or "closed")."""
    answered = threading.Event()
    outcome: list[str] = []

    def answer(what: str) -> None:
        outcome.append(what)
        answered.set()

    client = tls_client(client_id, link)
    client.on_connect = lambda c, u, f, rc, p: answer(rc.getName())
    client.on_disconnect = lambda c, u, f, rc, p: answer("closed")
    try:
        client.connect(link.host, link.port)
    except OSError:
        return "closed"
    client.loop_start()
    answered.wait(5)
    client.disconnect()
    client.loop_stop()
    return outcome[0] if outcome else "no answer"


def impostors(broker: Mosquitto) -> dict[str, Link]:
    """Every identity an attacker may hold, each pointed at the listener where the id it wants lives."""
    central, terminal = broker.link("central"), broker.link("LC0666")
    return {
        "terminal certificate": terminal,
        "claim certificate": broker.link("claim-0badc0de"),
        "service certificate, public listener": replace(central, port=broker.port, username=None, password=None),
        "wrong password": replace(central, password="guessed"),  # noqa: S106 - the attack
        "fleet's password for central": replace(broker.link("fleet"), username="central"),
        "no password": replace(terminal, port=broker.services_port),
    }


@pytest.fixture
def central(tmp_path: Path, sqlite_db: Engine) -> Iterator[Central]:
    stack = Central(tmp_path, sqlite_db)
    yield stack
    stack.stop()


def test_impostors_take_no_client_id(broker: Mosquitto, tmp_path: Path, central: Central) -> None:
    worker = central.start_worker(broker, INGEST_ID)
    worker_drops: list[str] = []
    worker.client.on_disconnect = lambda c, u, f, rc, p: worker_drops.append(str(rc))
    monitor = Watched(broker.link("fleet"), MONITOR_ID)
    enrollment = Watched(broker.link("central"), ENROLLMENT_ID)
    store = open_test_store(tmp_path / "terminal")
    genuine = {str(submit(store, i).id) for i in range(5)}
    agent = central.agent(broker, store, "LC0001")
    agent_drops: list[str] = []
    agent.start()
    assert agent.connected.wait(10)
    agent.client.on_disconnect = lambda c, u, f, rc, p: agent_drops.append(str(rc))
    try:
        agent.step()  # five applications in flight: their ack must reach this very session
        answers = {(name, wanted): attempt(link, wanted) for name, link in impostors(broker).items() for wanted in TAKEN}
        assert agent.run_until_drained(30)
        assert sorted(central.stored()) == sorted(genuine)
        with store.engine.connect() as conn:  # acknowledged on the first attempt: no session was taken
            assert conn.execute(text("SELECT max(attempts) FROM outbox")).scalar_one() == 1
        assert agent_drops == []
        assert worker_drops == []
        assert monitor.disconnects == []
        assert enrollment.disconnects == []
        assert "lost" not in monitor.presence  # the terminal's will never fired
        refused = {a for (name, _), a in answers.items() if name in {"wrong password", "no password",
                                                                      "fleet's password for central"}}
        assert refused <= {"Bad user name or password", "Not authorized", "closed"}, refused
    finally:
        agent.stop()
        monitor.close()
        enrollment.close()
        store.close()


def test_the_public_listener_makes_the_certificate_cn_the_client_id(broker: Mosquitto) -> None:
    """Two connections with the same claim certificate share one id, whatever ids they ask for: the second wins."""
    link = broker.link("claim-0a1b2c3d")
    dropped = threading.Event()
    client = tls_client("medium-a", link)
    client.on_disconnect = lambda c, u, f, rc, p: dropped.set()
    client.connect(link.host, link.port)
    client.loop_start()
    try:
        assert attempt(link, "medium-b") == "Success"
        assert dropped.wait(5)  # same CN, same id: the broker took over the session
    finally:
        client.loop_stop()





def test_a_service_certificate_gets_nothing_on_the_public_listener(broker: Mosquitto) -> None:
    """Central's certificate without the services listener's login: no ack to forge, no claim request to send."""
    link = replace(broker.link("central"), port=broker.port, username=None, password=None)
    codes: list[str] = []
    published = threading.Condition()

    def on_publish(client: object, userdata: object, mid: int, reason: ReasonCode, props: object) -> None:
        with published:
            codes.append(reason.getName())
            published.notify_all()

    client = tls_client("svc:central:ingest-1", link)
    client.on_publish = on_publish
    client.connect(link.host, link.port)
    client.loop_start()
    try:
        wanted = (topics.ack("LC0001"), topics.up("central", "application"), topics.claim_request("central"))
        for topic in wanted:
            client.publish(topic, b"x", qos=1)
        with published:
            assert published.wait_for(lambda: len(codes) == len(wanted), timeout=10)
        assert codes == ["Not authorized"] * len(wanted)
    finally:
        client.loop_stop()
        client.disconnect()
