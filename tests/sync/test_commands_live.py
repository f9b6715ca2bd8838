"""Central's signed commands reach a terminal's sync agent over the fleet's broker; its signed results come back."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.store import commands as book
from kiosk.store.releases import ReleaseStore
from protocol import topics
from protocol.command import Command, Result, open_result, sign_command
from protocol.link import tls_client
from sync.agent import SyncAgent
from sync.commands import CommandDesk
from tests.kiosk.store.helpers import open_test_store
from tests.sync.downlink import Downlink, pump

SNAPSHOT = {"app_version": "0.1.0", "outbox_backlog": 0, "catalog_version": "2026.12.7"}


class Central:
    """Central's side for the test: sends commands as the services identity and reads the terminals' results."""

    def __init__(self, downlink: Downlink) -> None:
        """Connect on the services listener and subscribe to LC0001's results."""
        self.downlink, self.results = downlink, queue.Queue[Result]()
        self.client = tls_client(topics.service_client_id("central", "commands-test"), downlink.central)
        self.client.on_message = lambda c, u, m: self.results.put(
            open_result(m.payload, downlink.terminal_key.public_key(), "LC0001"))
        self.client.connect(downlink.central.host, downlink.central.port)
        self.client.subscribe(topics.command_result("LC0001"), qos=1)
        self.client.loop_start()

    def send(self, seq: int, kind: str = "diagnostics", expires_in: timedelta = timedelta(hours=1),
             key: ed25519.Ed25519PrivateKey | None = None, command_id: str | None = None) -> bytes:
        """Sign and publish a command for LC0001; return its bytes."""
        now = datetime.now(UTC)
        command = Command(id=command_id or uuid.uuid4().hex, terminal="LC0001", seq=seq, kind=kind, args={},  # type: ignore[arg-type]
                          issued=now.isoformat(), expires=(now + expires_in).isoformat(), by="ops-li")
        payload = sign_command(command, key or self.downlink.command_key)
        self.resend(payload)
        return payload

    def resend(self, payload: bytes) -> None:
        """Publish a command's exact bytes again."""
        self.client.publish(topics.command("LC0001"), payload, qos=1).wait_for_publish(10)

    def result(self, agent: SyncAgent) -> Result:
        """Turn the agent until a result arrives and return it."""
        pump(agent, lambda: not self.results.empty())
        return self.results.get_nowait()

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def wired(downlink: Downlink) -> Iterator[tuple[SyncAgent, Central, CommandDesk]]:
    store = open_test_store(downlink.base / "terminal")
    desk = CommandDesk(store, "LC0001", downlink.command_key.public_key(), downlink.terminal_key,
                       lambda: datetime.now(UTC), diagnose=lambda: dict(SNAPSHOT))
    agent, _ = downlink.agent(store, ReleaseStore(downlink.base / "releases"), desk)
    agent.start()
    pump(agent, agent.connected.is_set)
    central = Central(downlink)
    yield agent, central, desk
    central.close()
    agent.stop()
    store.close()


def test_a_diagnostics_command_runs_once_and_its_signed_result_carries_the_snapshot(
        wired: tuple[SyncAgent, Central, CommandDesk]) -> None:
    agent, central, desk = wired
    payload = central.send(1)
    result = central.result(agent)
    assert (result.seq, result.status, result.data) == (1, "succeeded", SNAPSHOT)
    central.resend(payload)  # central did not hear, or asks again: the state again, not a second run
    again = central.result(agent)
    assert (again.id, again.status) == (result.id, "succeeded")
    assert len(desk.store.events("diagnostics")) == 1


def test_an_old_sequence_number_or_an_expired_command_is_refused_with_a_signed_result(
        wired: tuple[SyncAgent, Central, CommandDesk]) -> None:
    agent, central, desk = wired
    central.send(5)
    assert central.result(agent).status == "succeeded"
    central.send(3)  # a new id with an old number: a replay of a captured command would look like this
    refused = central.result(agent)
    assert (refused.seq, refused.status) == (3, "refused")
    assert "not newer" in refused.detail
    central.send(6, expires_in=timedelta(seconds=-1))
    assert central.result(agent).status == "expired"
    assert book.last_seq(desk.store) == 5


def test_a_forged_command_is_recorded_and_never_answered_or_run(
        wired: tuple[SyncAgent, Central, CommandDesk]) -> None:
    agent, central, desk = wired
    central.send(1, key=ed25519.Ed25519PrivateKey.generate())
    pump(agent, lambda: bool(desk.store.events("command_refused")))
    assert desk.store.events("command_refused")[0]["detail"] == {"reason": "bad_signature"}
    assert book.last_seq(desk.store) == 0
    assert central.results.empty()


def test_a_restart_stops_the_pump_and_succeeds_when_the_agent_is_back(
        wired: tuple[SyncAgent, Central, CommandDesk]) -> None:
    agent, central, desk = wired
    central.send(1, kind="restart_sync")
    assert central.result(agent).status == "running"  # reported before the agent stops
    assert desk.restart_asked
    agent.run(threading.Event(), idle=0.01)  # returns at once: the agent stops for systemd to start it again
    again = CommandDesk(desk.store, "LC0001", desk.key, desk.signer, desk.now, desk.diagnose)
    done = book.latest(desk.store, frozenset({"restart_sync"}))
    assert done is not None
    assert done.detail == "the sync agent restarted"
    assert not again.restart_asked
