"""Rollouts from central's database through the dispatcher and the fleet's broker to a terminal's agent, and back."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from central.platform import commands
from central.platform.registry import Registry
from central.platform.schema import fleet_commands, ops_audit
from kiosk.store import commands as book
from tests.sync.downlink import HALL
from tests.sync.fleet import SNAPSHOT, Fleet


def _request(target: str = "terminal:LC0001", **change: Any) -> commands.Request:
    """A diagnostics request by ops-li."""
    return commands.Request(**{"kind": "diagnostics", "target": target, "by": "ops-li", "args": {}, **change})


def test_a_command_for_an_offline_terminal_stays_queued_and_runs_when_it_returns(fleet: Fleet) -> None:
    rollout, targets = commands.create(fleet.engine, _request(), fleet.clock())
    assert targets == 1
    for _ in range(20):  # the terminal is offline: never "delivered"
        fleet.dispatcher.step()
        time.sleep(0.02)
    assert fleet.states(rollout) == {"LC0001": "queued"}
    fleet.start_terminal()
    fleet.turn(lambda: fleet.states(rollout)["LC0001"] == "succeeded")
    with fleet.engine.connect() as conn:
        data = conn.execute(select(fleet_commands.c.data)).scalar_one()
        outcomes = [row.outcome for row in conn.execute(select(ops_audit).order_by(ops_audit.c.n))]
    assert json.loads(data) == SNAPSHOT
    assert outcomes == ["queued", "succeeded"]
    assert commands.rollouts(fleet.engine)[0]["state"] == "completed"


def test_maintenance_the_terminal_ran_is_what_the_fleet_shows(fleet: Fleet) -> None:
    fleet.start_terminal()
    rollout, _ = commands.create(fleet.engine, _request(kind="maintenance_on"), fleet.clock())
    fleet.turn(lambda: fleet.states(rollout)["LC0001"] == "delivered")  # the kiosk runs it between sessions
    assert fleet.agent is not None
    kept = book.due(fleet.store, frozenset({"maintenance_on"}), datetime.now(UTC))[0]
    book.set_status(fleet.store, kept.id, "succeeded", "in maintenance")  # as kiosk/services/remote.py does
    fleet.turn(lambda: fleet.states(rollout)["LC0001"] == "succeeded")
    registered = Registry(fleet.engine).status("LC0001")
    assert registered is not None
    assert registered["maintenance_by"] == "ops-li (remote command)"


def test_a_command_the_terminal_never_took_expires_at_its_deadline(fleet: Fleet) -> None:
    rollout, _ = commands.create(fleet.engine, _request(lifetime=timedelta(minutes=5)), fleet.clock())
    fleet.dispatcher.step()
    fleet.clock.at += timedelta(minutes=6)
    fleet.turn(lambda: fleet.states(rollout)["LC0001"] == "expired")
    fleet.start_terminal()
    fleet.turn(lambda: fleet.agent is not None and fleet.agent.connected.is_set())
    for _ in range(20):
        fleet.turn(lambda: True)
        time.sleep(0.02)
    assert fleet.states(rollout)["LC0001"] == "expired"  # an expired command is not sent to the returning terminal


def _broken() -> dict[str, Any]:
    """A diagnostics collection that fails."""
    raise OSError("disk read error")


def test_a_hall_wide_rollout_aborts_past_its_threshold_and_cancels_the_rest(fleet: Fleet) -> None:
    fleet.start_terminal(diagnose=_broken)
    rollout, targets = commands.create(fleet.engine, _request(f"hall:{HALL}", rate_per_min=1, abort_pct=30),
                                       fleet.clock())
    assert targets == 3
    fleet.turn(lambda: fleet.states(rollout)["LC0001"] == "failed")
    assert fleet.states(rollout) == {"LC0001": "failed", "LC0002": "cancelled", "LC0003": "cancelled"}
    summary = commands.rollouts(fleet.engine)[0]
    assert (summary["state"], summary["detail"]) == ("aborted", "1 of 3 targets failed, more than 30 %")


def test_a_rate_releases_one_more_command_each_minute(fleet: Fleet) -> None:
    rollout, _ = commands.create(fleet.engine, _request(f"hall:{HALL}", rate_per_min=1), fleet.clock())
    fleet.dispatcher.step()
    assert sorted(fleet.states(rollout).values()) == ["queued", "scheduled", "scheduled"]
    fleet.clock.at += timedelta(seconds=61)
    fleet.dispatcher.step()
    assert sorted(fleet.states(rollout).values()) == ["queued", "queued", "scheduled"]


@pytest.mark.parametrize(("request_", "message"), [
    (_request("hall:no-such-hall"), "no terminal in service matches hall:no-such-hall"),
    (_request("everything"), "'everything' is not a target"),
    (_request(kind="format_disk"), "kind"),
    (_request(kind="notice", args={"zh": "闭厅\u202e"}), "control characters"),
])
def test_a_request_that_cannot_be_sent_is_refused_with_the_reason(
        fleet: Fleet, request_: commands.Request, message: str) -> None:
    with pytest.raises(commands.CommandRequestError, match=message):
        commands.create(fleet.engine, request_, fleet.clock())
    assert commands.rollouts(fleet.engine) == []
