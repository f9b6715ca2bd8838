"""Rollouts from central's database through the dispatcher and the fleet's broker to a terminal's agent, and back."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, select

from central.platform import commands
from central.platform.database import make_engine
from central.platform.dispatch import Dispatcher
from central.platform.registry import Registry
from central.platform.schema import fleet_commands, ops_audit
from kiosk.store import commands as book
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from sync.agent import SyncAgent
from sync.commands import CommandDesk
from tests.kiosk.store.helpers import open_test_store
from tests.sync.downlink import HALL, Downlink

SNAPSHOT = {"app_version": "0.1.0", "outbox_backlog": 3}


@dataclass
class Clock:
    """Central's clock, moved by the test for rates and deadlines."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        """Return the current test time."""
        return self.at


@dataclass
class Fleet:
    """Central's database and dispatcher, and LC0001 (its agent built on demand)."""

    engine: Engine
    dispatcher: Dispatcher
    clock: Clock
    downlink: Downlink
    store: Store
    agent: SyncAgent | None = None

    def start_terminal(self, diagnose: Callable[[], dict[str, Any]] = lambda: dict(SNAPSHOT)) -> None:
        """Start LC0001's agent with a command desk."""
        desk = CommandDesk(self.store, "LC0001", self.downlink.command_key.public_key(), self.downlink.terminal_key,
                           lambda: datetime.now(UTC), diagnose)
        self.agent, _ = self.downlink.agent(self.store, ReleaseStore(self.downlink.base / "releases"), desk)
        self.agent.start()

    def turn(self, done: Callable[[], bool], timeout: float = 30) -> None:
        """Step the dispatcher (and the agent, if running) until ``done``."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the fleet did not get there"
            self.dispatcher.step()
            if self.agent is not None:
                self.agent.step()
            time.sleep(0.05)

    def states(self, rollout: str) -> dict[str, str]:
        """Return each target's command state."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(fleet_commands.c.terminal, fleet_commands.c.status)
                                .where(fleet_commands.c.rollout == rollout))
            return {row.terminal: row.status for row in rows}


def _register(engine: Engine, downlink: Downlink, terminal: str) -> None:
    """Register a terminal of the hall with a certificate from the fleet's CA."""
    key = downlink.terminal_key if terminal == "LC0001" else ec.generate_private_key(ec.SECP256R1())
    cert = downlink.fleet.issuer.issue(terminal, key.public_key(), 7).public_bytes(serialization.Encoding.PEM)
    Registry(engine).add(terminal, cert, hall=HALL, site="hall")


@pytest.fixture
def fleet(downlink: Downlink, tmp_path: Path) -> Iterator[Fleet]:
    engine = make_engine(f"sqlite:///{tmp_path}/central.db")
    for terminal in ("LC0001", "LC0002", "LC0003"):
        _register(engine, downlink, terminal)
    clock = Clock()
    dispatcher = Dispatcher(engine, downlink.central, downlink.command_key, clock)
    dispatcher.start()
    store = open_test_store(tmp_path / "terminal")
    running = Fleet(engine, dispatcher, clock, downlink, store)
    yield running
    if running.agent is not None:
        running.agent.stop()
    dispatcher.stop()
    store.close()


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
