"""The fuzzer's ack finding against the real pieces: a nesting bomb on a terminal's ack topic through mosquitto.

Before the fix, ``open_acks`` let json's RecursionError escape: the sync agent's pump raised
out of ``step`` (and so out of ``run``), and the terminal stopped sending and applying acks.
Anyone who can write the terminal's ``down/`` topic can send one: central's broker identity,
or a compromised broker. After the fix the bomb is an ignored bad ack, and central's genuine
ack that follows is applied.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine

from demo.devstack import CENTRAL_USER, Mosquitto
from protocol import topics
from protocol.acks import Ack, seal_acks
from protocol.link import tls_client
from tests.fuzz.budget import tally
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

BOMB = b"[" * 5_000 + b"]" * 5_000  # 10 kB: far below the broker's message size limit


def test_a_nesting_bomb_on_the_ack_topic_is_ignored_and_the_genuine_ack_still_applies(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    tally("acks/raw")
    store = open_test_store(tmp_path / "terminal")
    application = submit(store)
    central = Central(tmp_path, sqlite_db)
    agent = central.agent(broker, store)  # no worker runs: the sender below plays central
    agent.start()
    assert agent.connected.wait(10)
    agent.step()
    sender = tls_client("svc:central:hostile", broker.link(CENTRAL_USER))
    sender.connect("127.0.0.1", broker.services_port)
    sender.loop_start()
    try:
        sender.publish(topics.ack("LC0001"), BOMB, qos=1).wait_for_publish(10)
        genuine = seal_acks("LC0001", [Ack("LC0001", str(application.id), "stored")], central.keys.ack)
        sender.publish(topics.ack("LC0001"), genuine, qos=1).wait_for_publish(10)
        deadline = time.monotonic() + 15
        while store.count_unacked() or agent.bad_acks == 0:
            assert time.monotonic() < deadline, f"bad acks {agent.bad_acks}, unacked {store.count_unacked()}"
            agent.step()  # raised RecursionError before the fix
            time.sleep(0.05)
        assert agent.bad_acks == 1
    finally:
        sender.loop_stop()
        sender.disconnect()
        agent.stop()
        store.close()
