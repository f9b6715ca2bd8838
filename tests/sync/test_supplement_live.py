"""补齐 end to end through a real mosquitto: terminal B supplements an application made at terminal A.

B finds what is owed by the applicant's card (central's query desk), goes offline, keeps the supplement in
its outbox, and delivers it once when the link is back; central takes it (back to the acceptance check)
and the change reaches A, where the application was made. A lost ack makes B send it again: a duplicate.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select, update

from central.platform import keys, status
from central.platform.desk import QueryDesk
from central.platform.registry import Registry
from central.platform.schema import application_changes, fleet_commands, messages, supplements
from central.platform.worker import IngestWorker
from domain.application import Application
from domain.catalog import SupplementWay
from domain.lifecycle import State
from kiosk.services.asking import Asker, by_card
from kiosk.services.supplement import SupplementSession, await_verdict, pending_of, store_supplement
from kiosk.store import outbox
from kiosk.store import status as local
from kiosk.store.models import OutboxRow, OutboxStatus
from kiosk.store.store import Store
from protocol import topics
from protocol.link import Link
from provisioning import pki
from provisioning.service import service_link
from sync.agent import SyncAgent
from sync.keys import load_terminal_keys
from tests.kiosk.store.helpers import CATALOG, HALL, ID_NUMBER, open_test_store, submit
from tests.provisioning.loopback import PASSPHRASE
from tests.sync.downlink import HALL as HALL_ID
from tests.sync.downlink import Downlink
from tests.sync.fleet import Fleet
from tests.sync.test_instant_live import ingest  # noqa: F401 - central's ingest on the fleet's database

OWED = ("photo", "household_register")


@dataclass
class Outlet:
    """Terminal B (LC0002): its store, its link and keys; its agent runs while ``online``."""

    store: Store
    link: Link
    fleet: Fleet
    agent: SyncAgent | None = None
    stop: threading.Event | None = None
    thread: threading.Thread | None = None

    def online(self) -> None:
        """Start B's sync agent (a fresh process's, as after a restart) turning in the background."""
        ca = self.fleet.downlink.fleet.ca
        agent_keys = load_terminal_keys(Path(self.link.key), ca / "central" / "uplink.pub", ca / "central" / "ack.pub")
        self.agent, self.stop = SyncAgent(self.store, "LC0002", agent_keys, self.link), threading.Event()
        self.agent.start()
        self.thread = threading.Thread(target=self.agent.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.agent.connected.wait(10), "B did not connect"

    def offline(self) -> None:
        """Stop B's agent: the link is down."""
        if self.agent is None or self.stop is None or self.thread is None:
            raise AssertionError("B is not online")
        self.stop.set()
        self.thread.join(5)
        self.agent.stop()
        self.agent = None


@pytest.fixture
def outlet(fleet: Fleet, downlink: Downlink, tmp_path: Path) -> Iterator[Outlet]:
    """LC0002 with a certificate from the fleet's CA, registered; central's query desk answering."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = downlink.fleet.issuer.issue("LC0002", key.public_key(), 7).public_bytes(serialization.Encoding.PEM)
    Registry(fleet.engine).add("LC0002", cert, hall=HALL_ID, site="bank")
    (tmp_path / "b.pem").write_bytes(cert)
    (tmp_path / "b.key").write_bytes(pki.private_pem(key, None))
    ca = downlink.fleet.ca
    desk = QueryDesk(fleet.engine, keys.load(ca / "central", PASSPHRASE),
                     service_link(ca, "127.0.0.1", downlink.fleet.services_port), topics.service_client_id("central", "q"))
    desk.start()
    assert desk.ready.wait(10), "the desk did not subscribe"
    built = Outlet(open_test_store(tmp_path / "LC0002"),
                   Link("127.0.0.1", downlink.fleet.port, str(ca / "chain.pem"), str(tmp_path / "b.pem"),
                        str(tmp_path / "b.key")), fleet)
    yield built
    if built.agent is not None:
        built.offline()
    desk.stop()
    built.store.close()


def count(fleet: Fleet, table: object, *where: object) -> int:
    """Return how many rows of ``table`` central holds (matching ``where``)."""
    with fleet.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore


def heard_at_a(fleet: Fleet, application: Application) -> State | None:
    """Return the state central last told terminal A of the application (None: nothing yet)."""
    found = local.of(fleet.store, str(application.id))
    return None if found is None else found.state


def commands(fleet: Fleet) -> list[str]:
    """Return the states of central's commands to terminals."""
    with fleet.engine.connect() as conn:
        return sorted(conn.execute(select(fleet_commands.c.status)).scalars())


def test_terminal_b_supplements_offline_then_delivers_once_and_terminal_a_learns_it(
        fleet: Fleet, outlet: Outlet, ingest: IngestWorker) -> None:  # noqa: F811
    application = submit(fleet.store)  # made at A (LC0001)
    fleet.start_terminal()
    fleet.turn(lambda: outbox.backlog(fleet.store) == 0)
    status.change(fleet.engine, status.Change(application.number, "needs_supplement", "clerk-li", "照片不合格", OWED),
                  datetime.now(UTC))
    fleet.turn(lambda: heard_at_a(fleet, application) is State.NEEDS_SUPPLEMENT)
    outlet.online()
    central_key = keys.load(fleet.downlink.fleet.ca / "central", PASSPHRASE).uplink.public_key()
    found = by_card(CATALOG, Asker(outlet.store, central_key, "LC0002", timeout=15), ID_NUMBER)
    assert isinstance(found, list)
    session = SupplementSession(ID_NUMBER, pending_of(CATALOG, found))
    (pending,) = session.pending
    assert [(o.material, o.ways) for o in pending.owed] == [
        ("photo", (SupplementWay.HAND_IN,)), ("household_register", (SupplementWay.DECLARE, SupplementWay.HAND_IN))]
    outlet.offline()  # the bank outlet's line drops before she confirms
    session.choose(pending)
    session.ways["household_register"] = SupplementWay.DECLARE
    receipt = store_supplement(outlet.store, CATALOG, HALL, session, terminal_id="LC0002", now=datetime.now(UTC))
    assert await_verdict(outlet.store, session.record_id, 0.5).taken is None  # no word: the receipt says it waits
    assert not receipt.delivered
    assert count(fleet, messages, messages.c.kind == "supplement") == 0
    outlet.online()  # back: the outbox drains
    fleet.turn(lambda: outbox.backlog(outlet.store) == 0)
    assert count(fleet, supplements) == 1
    fleet.turn(lambda: commands(fleet) == ["succeeded", "succeeded"])  # both changes reached A, where it was made
    assert heard_at_a(fleet, application) is State.RECEIVED
    assert local.of(fleet.store, str(application.id)).owed == ()  # type: ignore[union-attr]
    with outlet.store.engine.begin() as conn:  # the ack is lost (B crashed before it stored it): sent again
        conn.execute(update(OutboxRow).values(status=OutboxStatus.PENDING, next_attempt_at=None))
    fleet.turn(lambda: outbox.backlog(outlet.store) == 0)
    assert ingest.ingest.duplicates == 1
    assert count(fleet, messages, messages.c.kind == "supplement") == 1
    assert count(fleet, supplements) == 1
    assert count(fleet, application_changes, application_changes.c.event == "supplement") == 1
