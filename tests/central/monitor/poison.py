"""A malicious terminal's heartbeats (issue #21, findings 3 and 12) and a genuine terminal's, as JSON on the wire."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt

from protocol import topics
from protocol.link import Link, tls_client

POISONER, GENUINE = "LC0666", "LC0001"
ESC = "\x1b"


def genuine(terminal: str = GENUINE, **changes: Any) -> dict[str, Any]:
    """Return a valid heartbeat of ``terminal`` whose certificate expires in three days, with ``changes``."""
    now = datetime.now(UTC)
    printer = {"device": "printer", "state": "online", "since": now.isoformat(), "media": {"paper": "full"}}
    beat = {"v": 1, "terminal": terminal, "at": now.isoformat(), "boot": "3f0c2a9e-boot", "components": [printer],
            "outbox_backlog": 2, "oldest_unsynced_s": 4.5, "needs_manual": 0, "last_ack": now.isoformat(),
            "app_version": "0.1.0", "catalog_version": "2026.12.7",
            "cert_expires": (now + timedelta(days=3)).isoformat(), "disk_free_pct": 60.0, "memory_used_pct": 30.0,
            "uptime_s": 3600.0, "applications_today": 4, "errors_today": 0, "help_requests_today": 0,
            "cards_refused_today": 0}
    return beat | changes


def _component(**changes: Any) -> list[dict[str, Any]]:
    """Return the components of a heartbeat whose printer has ``changes``."""
    return [genuine()["components"][0] | changes]


POISONS: dict[str, dict[str, Any]] = {  # each was accepted by the monitor before issue #21
    "cert_expires not a date (ValueError in the alert rules)": {"cert_expires": "not-a-date"},
    "outbox_backlog 2**64 (OverflowError at the insert)": {"outbox_backlog": 2**64},
    "a naive cert_expires (TypeError in the alert rules)": {"cert_expires": "2026-12-10T00:00:00"},
    "uptime_s infinite (HTTP 500 on the detail page)": {"uptime_s": float("inf")},
    "uptime_s NaN": {"uptime_s": float("nan")},
    "last_ack in year 1 (overflow on the detail page)": {"last_ack": "0001-01-01T00:00:00+14:00"},
    "negative counts": {"needs_manual": -1, "errors_today": -5},
    "a percentage over 100": {"disk_free_pct": 1e300},
    "a count as a float": {"applications_today": 1.5},
    "ANSI escapes in an error code": {"components": _component(state="user_error",
                                                               error_code=f"{ESC}[2J{ESC}[31mall fine")},
    "a line break in a device name": {"components": _component(device="printer\nLC0002   online")},
    "an OSC title escape in a version": {"app_version": f"{ESC}]0;owned\x07"},
    "a C1 control in the catalog version": {"catalog_version": "2026\x9b31m"},
    "a 100 000-character boot id": {"boot": "b" * 100_000},
    "1 000 components (a larger heartbeat is cut off by the broker)": {"components": _component() * 1_000},
}
POISONERS = [f"LC06{n:02d}" for n in range(len(POISONS))]
BAD_PRESENCE = [{"v": 1, "online": True, "reason": "connected", "boot": f"{ESC}[31mred"},
                {"v": 1, "online": 1, "reason": "connected", "boot": "b"}]


def dumps(beat: dict[str, Any]) -> bytes:
    """Encode as a terminal would send it (Python's JSON writes Infinity and NaN)."""
    return json.dumps(beat).encode()


def connect(link: Link, name: str) -> mqtt.Client:
    """Return a connected client with the identity of ``link``."""
    client = tls_client(name, link)
    client.connect(link.host, link.port)
    client.loop_start()
    return client


def publish(client: mqtt.Client, topic: str, payload: bytes) -> None:
    """Publish at QoS 1 and wait for the broker's PUBACK."""
    client.publish(topic, payload, qos=1).wait_for_publish(10)


def poison_each(link: Callable[[str], Link]) -> int:
    """Send each poison heartbeat from a terminal of its own (all meet in one flush), and the bad states; count them."""
    for terminal, changes in zip(POISONERS, POISONS.values(), strict=True):
        client = connect(link(terminal), f"{terminal}-telemetry")
        publish(client, topics.telemetry(terminal), dumps(genuine(terminal) | changes))
        client.loop_stop()
        client.disconnect()
    client = connect(link(POISONER), f"{POISONER}-telemetry")
    for state in BAD_PRESENCE:
        publish(client, topics.state(POISONER), json.dumps(state).encode())
    client.loop_stop()
    client.disconnect()
    return len(POISONS) + len(BAD_PRESENCE)


def wait(check: Any, timeout: float = 20, what: Any = None) -> None:
    """Wait until ``check()`` holds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what() if what else None
        time.sleep(0.1)
