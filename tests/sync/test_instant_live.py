"""秒批 end to end through a real mosquitto: the terminal's uplink, central's rules on arrival, the status downlink."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from central.platform import keys
from central.platform.ingest import Ingest
from central.platform.schema import application_changes, messages
from central.platform.worker import IngestWorker
from domain.application import Application, Draft
from domain.lifecycle import State
from kiosk.config import UiSection
from kiosk.services.instant import await_approval
from kiosk.services.progress import look_up
from kiosk.services.submit import submit_application
from kiosk.store import status as local
from kiosk.store.models import OutboxRow
from provisioning.service import service_link
from tests.central.platform.test_instant_ingest import INSTANT, instant_answers
from tests.kiosk.store.helpers import CATALOG, HALL
from tests.provisioning.loopback import PASSPHRASE
from tests.sync.downlink import Downlink
from tests.sync.fleet import Fleet
from tests.sync.stack import SAMPLE_ARCHIVE

WAIT_S = UiSection().instant_wait_s  # the kiosk's receipt waits this long for the decision by default


@pytest.fixture
def ingest(fleet: Fleet, downlink: Downlink) -> Iterator[IngestWorker]:
    """Central's ingest on the fleet's database, subscribed through the broker's services listener."""
    ca = downlink.fleet.ca
    worker = IngestWorker(Ingest(fleet.engine, keys.load(ca / "central", PASSPHRASE), SAMPLE_ARCHIVE),
                          service_link(ca, "127.0.0.1", downlink.fleet.services_port))
    worker.start()
    assert worker.ready.wait(10), "ingest did not subscribe"
    yield worker
    worker.stop()


def apply_for(fleet: Fleet, **changed: Any) -> Application:
    """Submit JT-002 at LC0001 (answers meeting its rules, then ``changed``): durable in the outbox."""
    application, _ = submit_application(fleet.store, catalog=CATALOG, hall=HALL, terminal_id="LC0001",
                                        draft=Draft(INSTANT, instant_answers(**changed)), now=datetime.now(UTC))
    return application


def heard(fleet: Fleet, application: Application) -> State | None:
    """Return the state central last told the terminal (None: nothing yet)."""
    found = local.of(fleet.store, str(application.id))
    return None if found is None else found.state


def acked(fleet: Fleet, application: Application) -> bool:
    """Return whether central acknowledged storing the application."""
    with fleet.store.engine.connect() as conn:
        return conn.execute(select(OutboxRow.acked_at).where(OutboxRow.record_id == str(application.id))).scalar() \
            is not None


@pytest.mark.usefixtures("ingest")
def test_an_instant_item_is_approved_while_the_citizen_waits(fleet: Fleet) -> None:
    fleet.start_terminal()
    application = apply_for(fleet)
    started = time.monotonic()
    fleet.turn(lambda: heard(fleet, application) is State.APPROVED, timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed < WAIT_S, f"the approval took {elapsed:.1f} s, longer than the receipt waits"
    assert await_approval(fleet.store, CATALOG, application, 0) == INSTANT.instant.outcome  # type: ignore[union-attr]
    with fleet.engine.connect() as conn:
        changes = [(r.event, r.by) for r in conn.execute(select(application_changes).order_by(application_changes.c.n))]
    assert changes == [("accept", "instant"), ("approve", "instant")]


@pytest.mark.usefixtures("ingest")
def test_an_application_the_rules_cannot_decide_goes_to_a_person(fleet: Fleet) -> None:
    fleet.start_terminal()
    application = apply_for(fleet, applicant__id_valid_until=None)
    fleet.turn(lambda: acked(fleet, application))
    for _ in range(20):  # the dispatcher had its chance to send a decision: there is none
        fleet.turn(lambda: True)
        time.sleep(0.05)
    assert heard(fleet, application) is None
    with fleet.engine.connect() as conn:
        assert conn.execute(select(messages.c.id)).scalars().all() == [str(application.id)]
        assert conn.execute(select(application_changes)).first() is None
    progress = look_up(fleet.store, CATALOG, application.number)
    assert not isinstance(progress, str)
    assert progress.state is State.RECEIVED  # awaiting a person's acceptance, never refused


@pytest.mark.usefixtures("ingest")
def test_offline_the_receipt_is_ordinary_and_the_decision_arrives_later(fleet: Fleet) -> None:
    application = apply_for(fleet)  # the terminal's agent is not running: the link is down
    assert await_approval(fleet.store, CATALOG, application, 0.5) is None  # the ordinary receipt prints
    fleet.start_terminal()
    fleet.turn(lambda: heard(fleet, application) is State.APPROVED)
    progress = look_up(fleet.store, CATALOG, application.number)
    assert not isinstance(progress, str)
    assert progress.state is State.APPROVED
    assert progress.as_of is not None
