"""MQTT topics: a versioned prefix, the terminal id as a level, and the direction.

A terminal writes only below its own ``up/`` and reads only below its own ``down/``; the
broker's ACL says so with ``%u`` (the certificate CN is the username). docs/protocol.md is
the single table of topics, payloads and ACLs.
"""

from __future__ import annotations

import hashlib
import hmac
import re

PREFIX = "yc/v1/t"
CLAIM_PREFIX = "yc/v1/claim"  # enrollment: a bare terminal with a claim medium's identity
CATALOG_PREFIX = "yc/v1/catalog"  # signed catalog releases: retained, read by every terminal, written by central
CRL = "yc/v1/pki/crl"  # the issuing CA's revocation list: retained, read by every terminal, written by enrollment
HALL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # a hall profile id as a topic level (no wildcard, no separator)
TERMINAL = re.compile(r"^[A-HJ-NP-Z][0-9A-HJ-NP-Z]{3,11}$")
CLAIM_CN = re.compile(r"^claim-[0-9a-f]{8}$")  # one per technician's enrollment medium
UP_KINDS = {"application": "app", "rating": "rating", "help_request": "help", "event": "event",
            "supplement": "supplement"}
UPLINK = (*UP_KINDS.values(), "bundle")  # every subtopic of up/: the only ones a terminal may write
INGEST_LABEL = b"yichuang ingest group v1"
SERVICE_MARK = ":"  # in every service's client id; no certificate CN (terminal or claim) has one


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


def command(terminal: str) -> str:
    """Return the topic central sends ``terminal`` its signed commands on."""
    return f"{PREFIX}/{terminal}/down/cmd"


def command_result(terminal: str) -> str:
    """Return the topic a terminal reports its signed command results on (outside up/: not for ingest)."""
    return f"{PREFIX}/{terminal}/cmdres"


def catalog_release(hall: str) -> str:
    """Return the retained topic of the signed release manifest a hall's terminals serve."""
    if not HALL.fullmatch(hall):
        raise ValueError(f"{hall!r} cannot be a topic level")
    return f"{CATALOG_PREFIX}/hall/{hall}/release"


def catalog_chunk(name: str) -> str:
    """Return the retained topic of one release chunk, named by its SHA-256 (hex)."""
    return f"{CATALOG_PREFIX}/chunk/{name}"


def chunk_of(topic: str) -> str | None:
    """Return the chunk name a chunk topic carries, or None for any other topic."""
    prefix = f"{CATALOG_PREFIX}/chunk/"
    name = topic.removeprefix(prefix)
    return name if topic.startswith(prefix) and re.fullmatch(r"[0-9a-f]{64}", name) else None


def ingest_group(secret: bytes) -> str:
    """Return central's share group, derived from its private key bytes: no other identity can name it."""
    return "ingest-" + hmac.new(secret, INGEST_LABEL, hashlib.sha256).digest()[:16].hex()


def ingest_subscription(group: str) -> str:
    """Return central's shared subscription: N workers in ``group`` split every terminal's uplink."""
    return f"$share/{group}/{PREFIX}/+/up/#"


def service_client_id(service: str, name: str) -> str:
    """Return a service's client id: ``svc:<service>:<name>``, which no certificate CN can be."""
    return f"svc{SERVICE_MARK}{service}{SERVICE_MARK}{name}"


def claim_request(cn: str) -> str:
    """Return where the claim medium (or terminal) with certificate CN ``cn`` sends enrollment requests."""
    return f"{CLAIM_PREFIX}/{cn}/req"


def claim_response(cn: str) -> str:
    """Return where the enrollment service answers ``cn``'s requests (only ``cn`` may read it)."""
    return f"{CLAIM_PREFIX}/{cn}/resp"


def pki_request(terminal: str) -> str:
    """Return where a terminal asks, over its own identity, for its next certificate (renew, confirm)."""
    return f"{PREFIX}/{terminal}/pki/req"


def pki_response(terminal: str) -> str:
    """Return where the enrollment service answers a terminal's certificate requests (only it may read it)."""
    return f"{PREFIX}/{terminal}/pki/resp"


def query_request(terminal: str) -> str:
    """Return where a terminal asks central a 进度查询 question (MQTT 5 request, outside up/)."""
    return f"{PREFIX}/{terminal}/query/req"


def query_response(terminal: str) -> str:
    """Return where central answers a terminal's questions: the only response topic central accepts."""
    return f"{PREFIX}/{terminal}/down/query"


def query_subscription(group: str) -> str:
    """Return central's shared subscription to every terminal's questions (one worker answers each)."""
    return f"$share/{group}/{PREFIX}/+/query/req"


def terminal_of(topic: str) -> str | None:
    """Return the terminal a topic belongs to, or None for a topic outside the tree."""
    parts = topic.split("/")
    if len(parts) < 5 or "/".join(parts[:3]) != PREFIX or not TERMINAL.fullmatch(parts[3]):
        return None
    return parts[3]


def acl_lines(*services: str, claims: tuple[str, ...] = ()) -> str:
    """Return the public listener's ACL: terminals their own tree, claim media their own claim topics."""
    # mosquitto applies `pattern` lines to every user; a user's `deny` lines are checked before any
    # grant, so a service's certificate gets nothing here and a claim medium nothing in the terminal tree.
    uplink = "".join(f"pattern write {PREFIX}/%u/up/{sub}\n" for sub in UPLINK)
    denied = "".join(f"user {name}\ntopic deny #\n\n" for name in services)
    denied += "".join(f"user {name}\ntopic deny {PREFIX}/#\ntopic deny {CRL}\n\n" for name in claims)
    return (
        f"{denied}"
        f"{uplink}"
        f"pattern write {PREFIX}/%u/telemetry\n"
        f"pattern write {PREFIX}/%u/state\n"
        f"pattern write {PREFIX}/%u/cmdres\n"
        f"pattern write {PREFIX}/%u/pki/req\n"
        f"pattern write {PREFIX}/%u/query/req\n"
        f"pattern read {PREFIX}/%u/pki/resp\n"
        f"pattern read {PREFIX}/%u/down/#\n"
        f"pattern read {CATALOG_PREFIX}/#\n"
        f"pattern read {CRL}\n"
        f"pattern write {CLAIM_PREFIX}/%u/req\n"
        f"pattern read {CLAIM_PREFIX}/%u/resp\n"
    )


def services_acl_lines(central_user: str = "central", fleet_user: str = "fleet") -> str:
    """Return the services listener's ACL: central the terminal tree and enrollment, the fleet monitor telemetry."""
    return (
        f"user {central_user}\n"
        f"topic readwrite {PREFIX}/#\n"
        f"topic readwrite {CATALOG_PREFIX}/#\n"
        f"topic write {CRL}\n"
        f"topic read {CLAIM_PREFIX}/+/req\n"
        f"topic write {CLAIM_PREFIX}/+/resp\n"
        "\n"
        f"user {fleet_user}\n"
        f"topic read {PREFIX}/+/telemetry\n"
        f"topic read {PREFIX}/+/state\n"
    )
