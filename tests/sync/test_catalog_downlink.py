"""Catalog releases over a real broker: central pushes retained chunks and manifests; terminals fetch what they lack.

The broker is the fleet's own (`provision broker-config` from a fresh CA, both listeners and their
ACLs); central publishes with its service identity on the services listener; the terminal's sync
agent connects with an issued certificate on the public one and pins the CA's catalog-signing key.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.store.releases import ReleaseStore
from protocol import topics
from protocol.link import tls_client
from protocol.release import sign
from tests.kiosk.store.helpers import open_test_store
from tests.protocol.release_kit import changed_catalog
from tests.sync.downlink import HALL, Downlink, pump


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
