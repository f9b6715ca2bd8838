"""Central hands a release to the broker: every chunk retained on its own topic, then each hall's manifest.

Chunks go first and the manifest last, so a terminal that sees a manifest finds every chunk it
names already retained. Each publish is QoS 1 and must be acknowledged by the broker without an
MQTT 5 failure reason (an ACL refusal is 0x87); anything else fails the push, which is safe to
repeat (retained messages are replaced, chunks are named by their content).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from protocol import topics
from protocol.link import Link, tls_client


class PushError(RuntimeError):
    """The broker did not take the release (the message says what and why)."""


def _connected(link: Link, timeout: float) -> mqtt.Client:
    """Connect as central's catalog publisher and start the network loop, or raise PushError."""
    client = tls_client(topics.service_client_id("central", f"catalog-{os.getpid()}"), link)
    ready, refused = threading.Event(), []

    def on_connect(c: mqtt.Client, u: object, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            refused.append(str(reason))
        ready.set()

    client.on_connect = on_connect
    try:
        client.connect(link.host, link.port)
    except OSError as exc:
        raise PushError(f"the broker at {link.host}:{link.port} cannot be reached: {exc}") from None
    client.loop_start()
    if not ready.wait(timeout) or refused:
        client.loop_stop()
        raise PushError(f"the broker refused central's catalog publisher: {refused[0] if refused else 'timed out'}")
    return client


def push(link: Link, folder: Path, halls: Sequence[str], timeout: float = 60.0) -> int:
    """Publish the release in ``folder`` for ``halls``; return the number of messages the broker acknowledged."""
    client = _connected(link, timeout)
    failures: list[str] = []
    client.on_publish = lambda c, u, mid, reason, props: failures.append(str(reason)) if reason.is_failure else None
    try:
        messages = [(topics.catalog_chunk(chunk.name), chunk.read_bytes())
                    for chunk in sorted((folder / "chunks").iterdir())]
        manifest = (folder / "manifest.json").read_bytes()
        messages += [(topics.catalog_release(hall), manifest) for hall in halls]
        for topic, payload in messages:
            info = client.publish(topic, payload, qos=1, retain=True)
            info.wait_for_publish(timeout)
            if not info.is_published() or failures:
                raise PushError(f"the broker did not take {topic}: {failures[0] if failures else 'timed out'}")
        return len(messages)
    finally:
        client.disconnect()
        client.loop_stop()
