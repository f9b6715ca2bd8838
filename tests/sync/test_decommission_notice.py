"""The decommission notice at central (#26): it retires only its signer, and nothing from that terminal is taken after.

In process against the real broker: the notice is sealed and sent as `yichuang decommission` does.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from central.platform import queries
from central.platform.registry import Registry
from demo.devstack import Mosquitto
from protocol import topics
from sync.keys import load_terminal_keys
from sync.notice import notice_envelope, send_notice
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central


def test_a_notice_retires_its_terminal_and_a_later_application_is_refused(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    central.start_worker(broker)
    store = open_test_store(tmp_path / "LC0001")
    agent = central.agent(broker, store)  # registers LC0001 with a fresh certificate
    keys = load_terminal_keys(Path(agent.link.key), central.keys_dir / "uplink.pub", central.keys_dir / "ack.pub")
    central.register(broker.link("LC0002"), "LC0002")

    notice = notice_envelope(store, "LC0001", keys, "decommissioned by a technician")
    assert central.ingest.handle(topics.up("LC0002", "event"), notice[1]) is not None  # LC0001's, on LC0002's topic
    assert Registry(sqlite_db).status("LC0002")["retired_at"] is None  # type: ignore[index]
    assert send_notice(agent.link, "LC0001", keys, notice, 20)
    assert Registry(sqlite_db).status("LC0001")["retired_at"] is not None  # type: ignore[index]
    assert Registry(sqlite_db).status("LC0002")["retired_at"] is None  # type: ignore[index]

    submit(store)  # anything it sends later is refused, not stored
    agent.start()
    assert agent.run_until_drained(30)
    agent.stop()
    assert len(central.stored()) == 1  # the notice alone
    reasons = {(r["terminal"], r["reason"]) for r in queries.refusals(sqlite_db)}
    assert ("LC0001", "revoked_terminal") in reasons
    assert ("LC0002", "terminal_mismatch") in reasons
    central.stop()
    store.close()
