"""Heartbeats and presence: what the fleet monitor learns of a terminal. An allowlist, never personal data.

Every field of a heartbeat is declared here and nothing else can be sent (pydantic models with
``extra="forbid"``): device states and supply levels, the outbox backlog, versions, certificate
expiry, disk, memory, uptime and counts. Free text (device error messages, event details) never
leaves the terminal; only stable codes do. Every field is typed and bounded (docs/protocol.md):
codes of at most 64 letters, digits and ``_.:+-`` (no space or control character reaches ops),
times in ISO 8601 with a UTC offset, counts 0 ≤ n < 2**31, finite floats, percentages 0–100.
The monitor reads payloads only through ``read_heartbeat`` and ``read_presence``, which raise
nothing but ``Refused``. Presence uses one retained topic per terminal: the agent publishes
"online" when it connects, "offline" when it stops, and the broker publishes the MQTT 5 will
("offline", lost) when the connection dies, so the retained state never says online after a crash.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final, Literal, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError

from protocol.topics import TERMINAL

VERSION: Final = 1
MAX_BYTES = 64 * 1024  # a heartbeat of 32 components is a few KiB
MediaKind = Literal["paper", "card", "cover"]
MEDIA = frozenset(get_args(MediaKind))
Supply = Literal["full", "low", "out", "jammed", "unknown", "present", "not_present", "open", "closed"]
M = TypeVar("M", bound=BaseModel)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)

Code = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9_.:+-]{1,64}$")]  # no space or control
TerminalId = Annotated[str, StringConstraints(strict=True, pattern=TERMINAL.pattern)]
Count = Annotated[int, Field(strict=True, ge=0, lt=2**31)]
Seconds = Annotated[float, Field(strict=True, ge=0, le=10**10, allow_inf_nan=False)]  # about 300 years
Percent = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]


def _aware(text: str) -> str:
    """Check that ``text`` is an ISO 8601 time with a UTC offset between 1970 and 2200."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO 8601 time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time without a UTC offset")
    if not EARLIEST <= moment < LATEST:
        raise ValueError("a time outside 1970-2200")
    return text


Stamp = Annotated[str, StringConstraints(strict=True, max_length=40), AfterValidator(_aware)]


class Refused(ValueError):
    """A heartbeat or presence message the monitor does not take, with a stable reason code."""

    def __init__(self, reason: str) -> None:
        """Keep ``reason``: oversized, bad_schema or terminal_mismatch."""
        super().__init__(reason)
        self.reason = reason


class _Strict(BaseModel):
    """Unknown fields are errors: the schema is the allowlist."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Component(_Strict):
    """One device's latest status, by code only."""

    device: Code
    state: Code
    since: Stamp
    media: dict[MediaKind, Supply] = {}
    error_kind: Code | None = None
    error_code: Code | None = None
    action: Code | None = None


TECHNICIAN_ACTIONS = frozenset({  # what a terminal's technician did (kiosk.services.technician_access), by code
    "entered", "entered_card", "exited", "idle_exit", "paper_replaced", "test_page", "self_test", "card_test",
    "catalog_rollback", "reenroll", "reenrolled", "maintenance_on", "maintenance_off",
    "technician_pin_failed", "technician_pin_accepted", "technician_card_refused"})
REFUSED_ACTIONS = frozenset({"technician_pin_failed", "technician_card_refused"})


class Audited(_Strict):
    """One of the technician's actions at the terminal, by code only (never a PIN or a value)."""

    at: Stamp
    action: Code


AUDITED = 20  # how many of the technician's latest actions every heartbeat repeats


class Heartbeat(_Strict):
    """A terminal's health, sent every few seconds and at once on a device status change."""

    v: Literal[1] = VERSION
    terminal: TerminalId
    at: Stamp
    boot: Code
    components: Annotated[list[Component], Field(max_length=32)]
    outbox_backlog: Count
    oldest_unsynced_s: Seconds | None
    needs_manual: Count
    last_ack: Stamp | None
    app_version: Code
    catalog_version: Code
    catalog_refused: Code | None = None  # why the last catalog release offered was refused (until a later one lands)
    cert_expires: Stamp | None
    disk_free_pct: Percent
    memory_used_pct: Percent | None
    uptime_s: Seconds | None
    applications_today: Count
    errors_today: Count
    help_requests_today: Count
    cards_refused_today: Count = 0  # citizens sent to staff because their card could not be used here
    selftest_at: Stamp | None = None  # when the technician's last self-test ran (`yichuang selftest`)
    selftest_failed: Annotated[list[Code], Field(max_length=16)] | None = None  # the checks it failed ([]: none)
    maintenance: StrictBool | None = None  # takes no citizens: central's command or the technician's switch
    technician: Annotated[list[Audited], Field(max_length=AUDITED)] | None = None  # the latest actions, oldest first
    crl_updated: Stamp | None = None  # when the fleet's CRL the terminal holds was signed (None: none held, or unknown)


class Presence(_Strict):
    """The retained state: online (birth), offline (clean stop) or lost (the broker's will)."""

    v: Literal[1] = VERSION
    online: StrictBool
    reason: Literal["connected", "stopped", "lost"]
    boot: Code


def presence(online: bool, reason: Literal["connected", "stopped", "lost"], boot: str) -> bytes:
    """Return a presence payload."""
    return Presence(online=online, reason=reason, boot=boot).model_dump_json().encode()


def _checked(model: type[M], payload: bytes | bytearray) -> M:
    """Return ``payload`` as ``model``, or raise Refused (the only error a payload can cause)."""
    if len(payload) > MAX_BYTES:
        raise Refused("oversized")
    try:
        return model.model_validate_json(payload)
    except ValidationError:
        raise Refused("bad_schema") from None


def read_heartbeat(payload: bytes | bytearray, terminal: str) -> Heartbeat:
    """Return the heartbeat ``terminal`` sent on its topic, or raise Refused."""
    beat = _checked(Heartbeat, payload)
    if beat.terminal != terminal:
        raise Refused("terminal_mismatch")
    return beat


def read_presence(payload: bytes | bytearray) -> Presence:
    """Return the presence state in ``payload``, or raise Refused."""
    return _checked(Presence, payload)
