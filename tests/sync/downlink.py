"""Downlink tests' fleet: the fleet's own broker from a fresh CA, central's publishing link and keys, one terminal."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from central.platform.distribution import push
from central.platform.releases import publish_release
from domain.data import SAMPLE_CATALOG
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from protocol.link import Link
from protocol.release import Manifest
from sync.agent import SyncAgent
from sync.catalog import CatalogFetcher
from sync.commands import CommandDesk
from sync.keys import load_terminal_keys
from tests.provisioning.loopback import LoopbackBroker

HALL = "lc-center"


@dataclass
class Downlink:
    """The broker, central's publishing link, its catalog key, and one terminal's agent pieces."""

    fleet: LoopbackBroker
    central: Link
    key: ed25519.Ed25519PrivateKey
    command_key: ed25519.Ed25519PrivateKey
    terminal_key: ec.EllipticCurvePrivateKey
    archive: Path
    terminal: Link
    base: Path

    def publish(self, source: Path = SAMPLE_CATALOG, halls: tuple[str, ...] = (HALL,)) -> tuple[Manifest, Path]:
        """Publish and push a release of ``source`` as `central catalog publish --broker` does."""
        manifest, folder = publish_release(source, self.archive, self.key, halls, datetime.now(UTC))
        push(self.central, folder, halls)
        return manifest, folder

    def agent(self, store: Store, releases: ReleaseStore,
              desk: CommandDesk | None = None) -> tuple[SyncAgent, CatalogFetcher]:
        """A sync agent for LC0001 fetching the hall's releases into ``releases`` (and taking commands at ``desk``)."""
        ca = self.fleet.ca
        fetcher = CatalogFetcher(releases, self.key.public_key(), HALL, store)
        agent_keys = load_terminal_keys(Path(self.terminal.key), ca / "central" / "uplink.pub",
                                        ca / "central" / "ack.pub")
        return SyncAgent(store, "LC0001", agent_keys, self.terminal, catalog=fetcher, commands=desk), fetcher


def pump(agent: SyncAgent, done: Callable[[], bool], timeout: float = 30) -> None:
    """Turn the agent's pump until ``done`` (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the agent did not get there"
        agent.step()
        time.sleep(0.05)
