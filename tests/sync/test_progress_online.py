"""进度查询 at any terminal: a question through the terminal's agent and a real broker to central's desk, and back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine, update

from central.platform import status
from central.platform.schema import messages
from demo.devstack import Mosquitto
from domain.application import Draft
from domain.lifecycle import State
from domain.numbering import parse_receipt_number, receipt_number
from kiosk.services import receipt_key
from kiosk.services.asking import Asker, by_card, by_number
from kiosk.services.progress import NotFound, Progress
from kiosk.services.submit import submit_application
from kiosk.store.store import Store
from protocol import topics
from protocol.link import tls_client
from protocol.query import ask
from protocol.ratelimit import RateLimit
from protocol.receipt_token import verify
from tests.kiosk.store.helpers import CATALOG, HALL, ID_NUMBER, OFFERING, answers, open_test_store
from tests.sync.stack import Central
from tests.sync.test_export_import import yichuang
from tests.sync.test_uplink_mixed import submit_as


class Outlet:
    """A bank outlet's terminal (LC0002) with its agent running, a week after the citizen applied at LC0001."""

    def __init__(self, broker: Mosquitto, tmp_path: Path, central_db: Engine) -> None:
        self.central = Central(tmp_path, central_db)
        home = open_test_store(tmp_path / "LC0001")
        self.application = submit_as(home, "LC0001", 0)
        self.central.drain(broker, home, "LC0001")
        home.close()
        self.desk = self.central.start_desk(broker)
        self.store: Store = open_test_store(tmp_path / "LC0002")
        self.agent = self.central.agent(broker, self.store, "LC0002")
        self.stop = threading.Event()
        self.agent.start()
        self.thread = threading.Thread(target=self.agent.run, args=(self.stop,), daemon=True)
        self.thread.start()
        self.asker = Asker(self.store, self.central.keys.uplink.public_key(), "LC0002", timeout=15)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.agent.stop()
        self.central.stop()
        self.store.close()


@pytest.fixture
def outlet(broker: Mosquitto, tmp_path: Path, central_db: Engine) -> Iterator[Outlet]:
    """Central with one application from LC0001, and LC0002's agent running."""
    built = Outlet(broker, tmp_path, central_db)
    yield built
    built.close()


def test_another_terminal_sees_centrals_word_by_number_as_it_changes(outlet: Outlet, central_db: Engine) -> None:
    number = outlet.application.number
    found = by_number(outlet.store, CATALOG, outlet.asker, number)
    assert isinstance(found, Progress)
    assert (found.number, found.state, found.live) == (number, State.RECEIVED, True)
    assert found.item.zh == CATALOG.offering("SB-001").name.zh
    status.change(central_db, status.Change(number, "needs_supplement", "clerk-wang", reason="复印件不清晰",
                                            owed=(CATALOG.offering("SB-001").materials[0].material.id,)),
                  datetime.now(UTC))
    again = by_number(outlet.store, CATALOG, outlet.asker, number.lower())  # typed in lower case
    assert isinstance(again, Progress)
    assert (again.state, again.reason) == (State.NEEDS_SUPPLEMENT, "复印件不清晰")
    assert again.due is not None
    assert again.due > datetime.now(UTC).date()  # the deadline travels with central's answer
    assert [m.zh for m in again.owed] == [CATALOG.offering("SB-001").materials[0].material.name.zh]
    assert by_number(outlet.store, CATALOG, outlet.asker, number[:-1] + "Z") is NotFound.MALFORMED
    assert by_number(outlet.store, CATALOG, outlet.asker, moved(number, "LC0009")) is NotFound.UNKNOWN
    assert outlet.desk.answered == 3  # the malformed number was never sent


def moved(number: str, terminal: str) -> str:
    """Return the well-formed receipt number of the same day and sequence at ``terminal``."""
    _, day, seq = parse_receipt_number(number)
    return receipt_number(terminal, day, seq)


def test_the_card_finds_the_holders_applications_and_nothing_of_it_stays(outlet: Outlet, tmp_path: Path) -> None:
    found = by_card(CATALOG, outlet.asker, ID_NUMBER[:-1] + ID_NUMBER[-1].lower())
    assert isinstance(found, list)
    assert [p.number for p in found] == [outlet.application.number]
    assert by_card(CATALOG, outlet.asker, "11010519491231002X") == []  # another holder: nothing of this one
    outlet.store.close()
    for path in (tmp_path / "LC0002").glob("store.db*"):
        assert ID_NUMBER.encode() not in path.read_bytes()  # the question was sealed, and is gone


def test_without_central_the_terminal_says_so_and_shows_only_its_own(tmp_path: Path, central_db: Engine) -> None:
    store = open_test_store(tmp_path / "LC0001")
    application = submit_as(store, "LC0001", 0)
    central = Central(tmp_path, central_db)
    asker = Asker(store, central.keys.uplink.public_key(), "LC0001", timeout=1)  # no agent runs: no answer
    here = by_number(store, CATALOG, asker, application.number)
    assert isinstance(here, Progress)
    assert not here.live  # not yet sent: said so on the screen
    assert here.as_of is None
    assert by_number(store, CATALOG, asker, moved(application.number, "LC0002")) is NotFound.ELSEWHERE
    assert by_card(CATALOG, asker, ID_NUMBER) is NotFound.OFFLINE
    store.close()


def test_the_desk_answers_only_the_asker_and_slows_a_terminal_trying_many(
        outlet: Outlet, broker: Mosquitto) -> None:
    outlet.desk.limit = RateLimit(2, 3600.0)
    spy = tls_client("LC0002-spy", broker.link("LC0002"))
    spy.connect(broker.link("LC0002").host, broker.link("LC0002").port)
    spy.loop_start()
    props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    props.ResponseTopic = topics.query_response("LC0001")  # another terminal's answers: never
    props.CorrelationData = b"x" * 16
    _, sealed = ask("number", outlet.application.number, outlet.central.keys.uplink.public_key(), "LC0002")
    spy.publish(topics.query_request("LC0002"), sealed, qos=1, properties=props).wait_for_publish(5)
    _until(lambda: outlet.desk.dropped >= 1)
    spy.loop_stop()
    spy.disconnect()
    number = outlet.application.number
    assert all(isinstance(by_number(outlet.store, CATALOG, outlet.asker, number), Progress) for _ in range(2))
    assert by_number(outlet.store, CATALOG, outlet.asker, number) is NotFound.BUSY
    assert outlet.desk.answered == 3


def _until(check: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_applications_stored_before_the_holder_index_are_found_by_card_once_indexed(
        outlet: Outlet, central_db: Engine) -> None:
    with central_db.begin() as conn:  # as a database upgraded to the holder column finds them
        conn.execute(update(messages).values(holder=None))
    assert by_card(CATALOG, outlet.asker, ID_NUMBER) == []
    done = yichuang("central", "apps", "index-holders", "--keys", str(outlet.central.keys_dir),
                    "--db", central_db.url.render_as_string(hide_password=False))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 applications indexed by holder; 0 hold no ID number")
    found = by_card(CATALOG, outlet.asker, ID_NUMBER)
    assert isinstance(found, list)
    assert [p.number for p in found] == [outlet.application.number]


def test_central_vouches_for_the_terminals_receipt_key_and_its_receipts_verify_offline(outlet: Outlet) -> None:
    vouching = outlet.central.keys.ack.public_key()
    today = datetime.now(UTC).date()
    signer = receipt_key.renew(outlet.store, outlet.asker, vouching, today, None)
    assert signer is not None
    assert signer.until - today == timedelta(days=90)
    assert receipt_key.renew(outlet.store, outlet.asker, vouching, today, signer) is signer  # not due: not asked
    kept = receipt_key.load(outlet.store, vouching, "LC0002")  # kept across a restart
    assert kept is not None
    assert (kept.delegation, kept.until) == (signer.delegation, signer.until)
    application, receipt = submit_application(outlet.store, catalog=CATALOG, hall=HALL, terminal_id="LC0002",
                                              draft=Draft(OFFERING, answers(1)), now=datetime.now(UTC),
                                              token=signer.token)
    token = receipt.query_payload.rsplit("/", 1)[-1]
    verified = verify(token, vouching)  # a staff phone with central's public key, offline
    assert (verified.number, verified.terminal) == (application.number, "LC0002")
    outlet.central.ingest.registry.revoke("LC0002", "stolen")
    outlet.central.ingest.registry.forget("LC0002")
    outlet.desk.registry.forget("LC0002")
    asked = outlet.desk.answered
    later = today + timedelta(days=70)  # a third left: it asks again, and a revoked terminal is refused
    assert receipt_key.renew(outlet.store, outlet.asker, vouching, later, signer) is signer
    assert outlet.desk.answered == asked + 1
