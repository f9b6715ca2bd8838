"""MQTT topics: a versioned prefix, the terminal id as a level, and the direction.

A terminal writes only below its own ``up/`` and reads only below its own ``down/``; the
broker's ACL says so with ``%u`` (the certificate CN is the username). docs/protocol.md is
the single table of topics, payloads and ACLs.
"""

from __future__ import annotations

import re

PREFIX = "yc/v1/t"
CLAIM_PREFIX = "yc/v1/claim"  # enrollment: a bare terminal with the shared claim identity
TERMINAL = re.compile(r"^[A-HJ-NP-Z][0-9A-HJ-NP-Z]{3,11}$")
UP_KINDS = {"application": "app", "rating": "rating", "help_request": "help", "event": "event"}
UPLINK = (*UP_KINDS.values(), "bundle")  # every subtopic of up/: the only ones a terminal may write
INGEST_GROUP = "ingest"


def up(terminal: str, kind: str) -> str:
    """Return the topic a terminal publishes ``kind`` envelopes on."""
    return f"{PREFIX}/{terminal}/up/{UP_KINDS[kind]}"


def telemetry(terminal: str) -> str:
    """Return the topic a terminal publishes heartbeats on (outside up/: central's ingest never sees them)."""
    return f"{PREFIX}/{terminal}/telemetry"


def state(terminal: str) -> str:
    """Return a terminal's retained presence topic (birth, clean stop, and the broker's will)."""
    return f"{PREFIX}/{terminal}/state"


def bundle(terminal: str) -> str:
    """Return the topic a terminal publishes bundles of envelopes on while draining a backlog."""
    return f"{PREFIX}/{terminal}/up/bundle"


def is_bundle(topic: str) -> bool:
    """Return whether a message on ``topic`` is a bundle of envelopes."""
    return topic.endswith("/up/bundle")


def ack(terminal: str) -> str:
    """Return the topic central acknowledges a terminal's envelopes on."""
    return f"{PREFIX}/{terminal}/down/ack"


def ingest_subscription() -> str:
    """Return central's shared subscription: N workers split every terminal's uplink."""
    return f"$share/{INGEST_GROUP}/{PREFIX}/+/up/#"


def terminal_of(topic: str) -> str | None:
    """Return the terminal a topic belongs to, or None for a topic outside the tree."""
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:3]) != PREFIX or not TERMINAL.fullmatch(parts[3]):
        return None
    return parts[3]


def acl_lines(central_user: str, claim_user: str = "claim", fleet_user: str = "fleet") -> str:
    """Return a mosquitto ACL: central everything, the claim identity only enrollment, terminals their own."""
    # mosquitto applies `pattern` lines to every user, services included; a user's `deny` lines are
    # checked before any grant, so each service is denied the subtree the patterns would give it.
    uplink = "".join(f"pattern write {PREFIX}/%u/up/{sub}\n" for sub in UPLINK)
    return (
        f"user {central_user}\n"
        f"topic readwrite {PREFIX}/#\n"
        f"topic readwrite {CLAIM_PREFIX}/#\n"
        "\n"
        f"user {claim_user}\n"
        f"topic deny {PREFIX}/{claim_user}/#\n"
        f"topic write {CLAIM_PREFIX}/+/req\n"
        f"topic read {CLAIM_PREFIX}/+/resp\n"
        "\n"
        f"user {fleet_user}\n"
        f"topic deny {PREFIX}/{fleet_user}/#\n"
        f"topic read {PREFIX}/+/telemetry\n"
        f"topic read {PREFIX}/+/state\n"
        "\n"
        f"{uplink}"
        f"pattern write {PREFIX}/%u/telemetry\n"
        f"pattern write {PREFIX}/%u/state\n"
        f"pattern read {PREFIX}/%u/down/#\n"
    )
