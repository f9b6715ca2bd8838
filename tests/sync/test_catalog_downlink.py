"""Catalog releases over a real broker: central pushes retained chunks and manifests; terminals fetch what they lack.

The broker is the fleet's own (`provision broker-config` from a fresh CA, both listeners and their
ACLs); central publishes with its service identity on the services listener; the terminal's sync
agent connects with an issued certificate on the public one and pins the CA's catalog-signing key.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from central.platform import keys
from central.platform.distribution import push
from central.platform.releases import publish_release
from domain.data import SAMPLE_CATALOG
from kiosk.store.releases import ReleaseStore
from kiosk.store.store import Store
from protocol import topics
from protocol.link import Link, tls_client, with_login
from protocol.release import Manifest, sign
from provisioning import pki
from sync.agent import SyncAgent
from sync.catalog import CatalogFetcher
from sync.keys import load_terminal_keys
from tests.kiosk.store.helpers import open_test_store
from tests.protocol.release_kit import changed_catalog
from tests.provisioning.loopback import PASSPHRASE, LoopbackBroker, loopback_broker

HALL = "lc-center"


@dataclass
class Downlink:
    """The broker, central's publishing link, its catalog key, and one terminal's agent pieces."""

    fleet: LoopbackBroker
    central: Link
    key: ed25519.Ed25519PrivateKey
    archive: Path
    terminal: Link
    base: Path

    def publish(self, source: Path = SAMPLE_CATALOG, halls: tuple[str, ...] = (HALL,)) -> tuple[Manifest, Path]:
        """Publish and push a release of ``source`` as `central catalog publish --broker` does."""
        manifest, folder = publish_release(source, self.archive, self.key, halls, datetime.now(UTC))
        push(self.central, folder, halls)
        return manifest, folder

    def agent(self, store: Store, releases: ReleaseStore) -> tuple[SyncAgent, CatalogFetcher]:
        """A sync agent for LC0001 fetching the hall's releases into ``releases``."""
        ca = self.fleet.ca
        fetcher = CatalogFetcher(releases, self.key.public_key(), HALL, store)
        agent_keys = load_terminal_keys(Path(self.terminal.key), ca / "central" / "uplink.pub",
                                        ca / "central" / "ack.pub")
        return SyncAgent(store, "LC0001", agent_keys, self.terminal, catalog=fetcher), fetcher


@pytest.fixture
def downlink(tmp_path: Path) -> Iterator[Downlink]:
    fleet = loopback_broker(tmp_path)
    ca = fleet.ca
    central = with_login(Link("127.0.0.1", fleet.services_port, str(ca / "chain.pem"),
                              str(ca / "services" / "central.pem"), str(ca / "services" / "central.key")), "central")
    terminal_key = ec.generate_private_key(ec.SECP256R1())
    cert = fleet.issuer.issue("LC0001", terminal_key.public_key(), 7)
    (tmp_path / "t.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "t.key").write_bytes(pki.private_pem(terminal_key, None))
    terminal = Link("127.0.0.1", fleet.port, str(ca / "chain.pem"), str(tmp_path / "t.pem"), str(tmp_path / "t.key"))
    key = keys.load_signing(ca / "signing" / "catalog.key", PASSPHRASE)
    yield Downlink(fleet, central, key, tmp_path / "archive", terminal, tmp_path)
    fleet.stop()


def pump(agent: SyncAgent, done: Callable[[], bool], timeout: float = 30) -> None:
    """Turn the agent's pump until ``done`` (or fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the agent did not get there"
        agent.step()
        time.sleep(0.05)


def test_a_terminal_offline_during_a_publish_gets_it_on_return_and_then_only_the_new_chunks(
        downlink: Downlink) -> None:
    first, _ = downlink.publish()  # the terminal is not connected yet: retained messages wait for it
    store, releases = open_test_store(downlink.base / "terminal"), ReleaseStore(downlink.base / "releases")
    agent, fetcher = downlink.agent(store, releases)
    agent.start()
    try:
        pump(agent, lambda: releases.state().staged == first.name())
        assert fetcher.fetched == len(first.digests())
        releases.activate_staged()  # the kiosk, between sessions
        second, _ = downlink.publish(changed_catalog(downlink.base))
        pump(agent, lambda: releases.state().staged == second.name())
        assert fetcher.fetched - len(first.digests()) == 2  # catalog.toml and the changed item file
    finally:
        agent.stop()
        store.close()


def test_a_forged_or_older_manifest_on_the_topic_is_refused_reported_and_the_release_kept(
        downlink: Downlink) -> None:
    first, _ = downlink.publish()
    store, releases = open_test_store(downlink.base / "terminal"), ReleaseStore(downlink.base / "releases")
    agent, _ = downlink.agent(store, releases)
    agent.start()
    try:
        pump(agent, lambda: releases.state().staged == first.name())
        forged = sign(first.model_copy(update={"serial": 99}), ed25519.Ed25519PrivateKey.generate())
        publisher = tls_client(topics.service_client_id("central", "test"), downlink.central)
        publisher.connect(downlink.central.host, downlink.central.port)
        publisher.loop_start()
        publisher.publish(topics.catalog_release(HALL), forged, qos=1, retain=True).wait_for_publish(10)
        pump(agent, lambda: bool(store.events("catalog_refused")))
        assert store.events("catalog_refused")[0]["detail"]["reason"] == "bad_signature"
        replayed = (downlink.archive / "releases" / first.name() / "manifest.json").read_bytes()  # genuine, older
        second, _ = downlink.publish(changed_catalog(downlink.base))
        pump(agent, lambda: releases.state().staged == second.name())
        publisher.publish(topics.catalog_release(HALL), replayed, qos=1, retain=True).wait_for_publish(10)
        pump(agent, lambda: len(store.events("catalog_refused")) == 2)
        assert store.events("catalog_refused")[-1]["detail"]["reason"] == "downgrade"
        state = releases.state()
        assert state.staged == second.name()
        assert state.refused is not None
        publisher.loop_stop()
    finally:
        agent.stop()
        store.close()


def test_a_terminal_cannot_publish_on_the_catalog_topics(downlink: Downlink) -> None:
    client = tls_client("LC0001", downlink.terminal)
    refused: list[int] = []
    client.on_publish = lambda c, u, mid, reason, props: refused.append(reason.value)
    client.connect(downlink.terminal.host, downlink.terminal.port)
    client.loop_start()
    client.publish(topics.catalog_chunk("0" * 64), b"evil", qos=1, retain=True).wait_for_publish(10)
    client.publish(topics.catalog_release(HALL), b"{}", qos=1, retain=True).wait_for_publish(10)
    client.disconnect()
    client.loop_stop()
    assert refused == [0x87, 0x87]  # not authorized
