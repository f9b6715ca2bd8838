"""The back office's change of an application's state reaches the terminal it came from, and only a legal one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from central.platform import commands, status
from central.platform.schema import application_changes, fleet_commands, messages, ops_audit
from domain.application import Application
from domain.lifecycle import State
from kiosk.store import outbox
from kiosk.store import status as local
from kiosk.store.models import ApplicationRow
from tests.kiosk.store.helpers import submit
from tests.sync.fleet import Fleet


def received(engine: Engine, application: Application, seq: int = 1) -> None:
    """Store the application's row at central as the ingest does (its sealed bytes do not matter here)."""
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(messages).values(id=str(application.id), terminal="LC0001", seq=seq, kind="application",
                                             created=now, received_at=now, item=application.offering_code,
                                             number=application.number, envelope=b"sealed"))


def local_state(fleet: Fleet, application: Application) -> str:
    """Return the state of the application in the terminal's store."""
    with fleet.store.engine.connect() as conn:
        return str(conn.execute(select(ApplicationRow.state).where(
            ApplicationRow.id == str(application.id))).scalar_one())


def commands_done(fleet: Fleet) -> list[str]:
    """Return the states of every application_status command."""
    with fleet.engine.connect() as conn:
        return [row.status for row in conn.execute(select(fleet_commands.c.status))]


def test_changes_made_while_the_terminal_is_away_reach_it_in_order_when_it_returns(fleet: Fleet) -> None:
    application = submit(fleet.store)
    outbox.ack(fleet.store, str(application.id))
    received(fleet.engine, application)
    now = datetime.now(UTC)
    assert status.change(fleet.engine, status.Change(application.number, "accepted", "clerk-wang"), now) \
        is State.ACCEPTED
    asked = status.Change(application.number.lower(), "approved", "clerk-wang", address="10.0.0.9")
    assert status.change(fleet.engine, asked, now + timedelta(seconds=1)) is State.APPROVED
    for _ in range(10):
        fleet.dispatcher.step()
    assert local_state(fleet, application) == "received"  # offline: nothing yet
    fleet.start_terminal()
    fleet.turn(lambda: commands_done(fleet) == ["succeeded", "succeeded"])
    assert local_state(fleet, application) == "approved"
    heard = local.of(fleet.store, str(application.id))
    assert heard is not None
    assert heard.state is State.APPROVED
    outbox.ack(fleet.store, str(application.id))  # a late second ack never undoes central's word
    assert local_state(fleet, application) == "approved"
    with fleet.engine.connect() as conn:
        changes = [(r.event, r.state, r.by) for r in conn.execute(select(application_changes)
                                                                  .order_by(application_changes.c.n))]
        audit = [(r.action, r.target, r.address) for r in conn.execute(select(ops_audit).order_by(ops_audit.c.n))]
    assert changes == [("accept", "accepted", "clerk-wang"), ("approve", "approved", "clerk-wang")]
    assert [line for line in audit if line[0].startswith("status:")] == [
        ("status:accept", application.number, ""), ("status:approve", application.number, "10.0.0.9")]


def test_a_supplement_request_carries_its_reason_and_owed_materials_to_the_terminal(fleet: Fleet) -> None:
    application = submit(fleet.store)
    received(fleet.engine, application)
    fleet.start_terminal()
    asked = status.Change(str(application.id), "needs_supplement", "clerk-li", "户口簿复印件不清晰，请重新提供",
                          ("hukou_copy",), days=3)
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # three working days later is Wednesday: the weekend skipped
    status.change(fleet.engine, asked, friday)
    fleet.turn(lambda: commands_done(fleet) == ["succeeded"])
    heard = local.of(fleet.store, str(application.id))
    assert heard is not None
    assert (heard.state, heard.reason, heard.owed) == (State.NEEDS_SUPPLEMENT, asked.reason, ("hukou_copy",))
    assert heard.due == "2026-12-09"
    other = submit(fleet.store, 1)
    received(fleet.engine, other, seq=2)
    with pytest.raises(status.StatusError, match="1 to 60 working days"):
        status.change(fleet.engine, status.Change(other.number, "needs_supplement", "clerk-li", "缺材料", days=0),
                      friday)


@pytest.mark.parametrize(("state", "reason", "owed", "says"), [
    ("approved", "", (), "cannot become approved (it can become: accepted, needs_supplement, not_accepted, "
                         "withdrawn)"),
    ("not_accepted", "", (), "say why (reject)"),
    ("accepted", "", ("hukou_copy",), "only by an application that needs a supplement"),
    ("accepted", "", ("../etc",), "is not a material id"),
    ("accepted", "line\nbreak", (), "plain text"),
    ("granted", "", (), "is not a state"),
    ("accepted", "请致电13800138000", (), "looks like it holds an ID or phone number"),
    ("accepted", "abc\u202edef", (), "plain text"),  # a bidi override the terminal would refuse
    ("needs_supplement", "缺材料", tuple(f"{n}" * 40 for n in range(6)), "200 characters in all"),
])
def test_a_change_the_lifecycle_forbids_is_refused_with_the_reason_and_nothing_is_sent(
        fleet: Fleet, state: str, reason: str, owed: tuple[str, ...], says: str) -> None:
    application = submit(fleet.store)
    received(fleet.engine, application)
    with pytest.raises(status.StatusError, match=says.replace("(", r"\(").replace(")", r"\)")):
        status.change(fleet.engine, status.Change(application.number, state, "clerk-wang", reason, owed),
                      datetime.now(UTC))
    assert commands_done(fleet) == []
    with pytest.raises(status.StatusError, match="no application LC0001-000000-0000X has reached central"):
        status.change(fleet.engine, status.Change("LC0001-000000-0000X", "accepted", "clerk-wang"), datetime.now(UTC))


def test_a_terminal_refuses_a_state_central_never_sends(fleet: Fleet) -> None:
    application = submit(fleet.store)
    request = commands.Request("application_status", "terminal:LC0001", "forger", {
        "application": str(application.id), "state": "draft", "reason": "", "owed": ""})
    with fleet.engine.begin() as conn:
        commands.create_in(conn, request, datetime.now(UTC), ["LC0001"])
    fleet.start_terminal()
    fleet.turn(lambda: commands_done(fleet) == ["failed"])
    assert local_state(fleet, application) == "submitted"
