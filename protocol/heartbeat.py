"""Heartbeats and presence: what the fleet monitor learns of a terminal. An allowlist, never personal data.

Every field of a heartbeat is declared here and nothing else can be sent (pydantic models with
``extra="forbid"``): device states and supply levels, the outbox backlog, versions, certificate
expiry, disk, memory, uptime and counts. Free text (device error messages, event details) never
leaves the terminal; only stable codes do. Presence uses one retained topic per terminal: the
agent publishes "online" when it connects, "offline" when it stops, and the broker publishes
the MQTT 5 will ("offline", lost) when the connection dies, so the retained state never says
online after a crash.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

VERSION = 1
MediaKind = Literal["paper", "card", "cover"]
MEDIA = frozenset(get_args(MediaKind))
Supply = Literal["full", "low", "out", "jammed", "unknown", "present", "not_present", "open", "closed"]


class _Strict(BaseModel):
    """Unknown fields are errors: the schema is the allowlist."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    """One device's latest status, by code only."""

    device: str
    state: str
    since: str
    media: dict[MediaKind, Supply] = {}
    error_kind: str | None = None
    error_code: str | None = None
    action: str | None = None


class Heartbeat(_Strict):
    """A terminal's health, sent every few seconds and at once on a device status change."""

    v: int = VERSION
    terminal: str
    at: str
    boot: str
    components: list[Component]
    outbox_backlog: int
    oldest_unsynced_s: float | None
    needs_manual: int
    last_ack: str | None
    app_version: str
    catalog_version: str
    cert_expires: str | None
    disk_free_pct: float
    memory_used_pct: float | None
    uptime_s: float | None
    applications_today: int
    errors_today: int
    help_requests_today: int
    cards_refused_today: int = 0  # citizens sent to staff because their card could not be used here


class Presence(_Strict):
    """The retained state: online (birth), offline (clean stop) or lost (the broker's will)."""

    v: int = VERSION
    online: bool
    reason: Literal["connected", "stopped", "lost"]
    boot: str


def presence(online: bool, reason: Literal["connected", "stopped", "lost"], boot: str) -> bytes:
    """Return a presence payload."""
    return Presence(online=online, reason=reason, boot=boot).model_dump_json().encode()
