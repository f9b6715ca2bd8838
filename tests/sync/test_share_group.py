"""Issue #21 finding 1: no identity but central can join central's ingest share group and swallow uplink."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from demo.devstack import Mosquitto
from protocol import topics
from protocol.link import Link, tls_client
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

MESSAGES = 20
GUESSES = ("ingest", "central", "ingest-1", "workers", "$share")  # group names an attacker might try


class Lurker:
    """A connection with an identity that may not read the uplink, subscribed to every share group it can name."""

    def __init__(self, link: Link) -> None:
        self.messages: list[str] = []
        self.subscribed = threading.Event()
        self.client = tls_client("lurker", link)
        self.client.on_message = lambda c, u, m: self.messages.append(m.topic)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subscribed.set()
        self.client.connect(link.host, link.port)
        wanted = [(f"$share/{g}/{topics.PREFIX}/+/up/#", 1) for g in GUESSES if g != "$share"]
        self.client.subscribe([*wanted, (f"{topics.PREFIX}/+/up/#", 1)])
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def central(tmp_path: Path, central_db: Engine) -> Iterator[Central]:
    stack = Central(tmp_path, central_db)
    yield stack
    stack.stop()


def test_the_ingest_group_name_comes_from_centrals_key_and_names_no_guess(central: Central) -> None:
    group = topics.ingest_group(central.ingest.keys.uplink.private_bytes_raw())
    assert group.startswith("ingest-")
    assert len(group) == len("ingest-") + 32
    assert group == topics.ingest_group(central.ingest.keys.uplink.private_bytes_raw())  # every process the same
    assert group not in GUESSES
    assert group != topics.ingest_group(b"another central's key")


def test_lurkers_in_every_group_they_can_name_swallow_nothing(broker: Mosquitto, tmp_path: Path,
                                                               central: Central) -> None:
    lurkers = [Lurker(broker.link(cn)) for cn in ("claim-0badc0de", "claim-1badc0de", "LC0777")]
    store = open_test_store(tmp_path / "terminal")
    genuine = {str(submit(store, i).id) for i in range(MESSAGES)}
    central.start_worker(broker)
    agent = central.agent(broker, store)
    agent.window = 1  # twenty messages, one at a time: each could fall to a lurker
    agent.start()
    try:
        assert agent.run_until_drained(60)
        assert sorted(central.stored()) == sorted(genuine)
        with store.engine.connect() as conn:  # all stored and acknowledged on the first attempt
            assert conn.execute(text("SELECT max(attempts) FROM outbox")).scalar_one() == 1
        assert [m for lurker in lurkers for m in lurker.messages] == []
    finally:
        agent.stop()
        for lurker in lurkers:
            lurker.close()
        store.close()


def test_a_second_central_process_joins_the_same_group(broker: Mosquitto, tmp_path: Path, central: Central) -> None:
    first, second = central.start_worker(broker, "svc:central:a-1"), central.start_worker(broker, "svc:central:b-1")
    assert first.group == second.group
    store = open_test_store(tmp_path / "terminal")
    genuine = {str(submit(store, i).id) for i in range(MESSAGES)}
    agent = central.agent(broker, store)
    agent.window = 1
    agent.start()
    try:
        assert agent.run_until_drained(60)
        assert sorted(central.stored()) == sorted(genuine)
        assert first.handled + second.handled == MESSAGES  # split between them, each message once
        assert first.handled
        assert second.handled
    finally:
        agent.stop()
        store.close()


