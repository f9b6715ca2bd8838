"""Central's database and dispatcher with LC0001's agent on demand: the fleet the live command tests drive."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, select

from central.platform.database import make_engine
from central.platform.dispatch import Dispatcher
from central.platform.registry import Registry
from central.platform.schema import fleet_commands
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
