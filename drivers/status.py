"""One status model for every device, after CEN/XFS and XFS4IoT.

A device reports its state, the state of its media and supplies, and — when something is
wrong — an error saying what kind it is and what clears it. Snapshots are immutable and
time-stamped; the kiosk screens, telemetry and the fleet dashboard all read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class DeviceState(StrEnum):
    """The device as a whole."""

    ONLINE = "online"
    OFFLINE = "offline"  # known, but not answering
    POWER_OFF = "power_off"
    NO_DEVICE = "no_device"  # nothing connected where it should be
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"  # something a person did or must do (card left in, cover open)
    BUSY = "busy"


OPERATIONAL_STATES = frozenset({DeviceState.ONLINE, DeviceState.BUSY})
ERROR_STATES = frozenset({DeviceState.HARDWARE_ERROR, DeviceState.USER_ERROR})
UNAVAILABLE_STATES = frozenset({DeviceState.OFFLINE, DeviceState.POWER_OFF, DeviceState.NO_DEVICE})


class CardMedia(StrEnum):
    """A card reader's media."""

    PRESENT = "present"
    NOT_PRESENT = "not_present"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class PaperState(StrEnum):
    """A printer's paper supply."""

    FULL = "full"
    LOW = "low"
    OUT = "out"
    JAMMED = "jammed"
    UNKNOWN = "unknown"


class CoverState(StrEnum):
    """A printer's cover."""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


class ErrorKind(StrEnum):
    """Where a fault lies."""

    HARDWARE = "hardware"
    SOFTWARE = "software"
    USER = "user"


class ClearAction(StrEnum):
    """What clears a fault."""

    NONE = "none"  # clears by itself (the citizen lifts the card, the network returns)
    RESET = "reset"  # the software resets or reopens the device
    STAFF = "staff"  # hall staff can fix it (replace paper, close the cover)
    MAINTENANCE = "maintenance"  # a technician must come


@dataclass(frozen=True)
class DeviceError:
    """A fault: its kind, what clears it, a stable code and words for people."""

    kind: ErrorKind
    action: ClearAction
    code: str
    message: str  # for technicians and logs; never personal data


@dataclass(frozen=True)
class Snapshot:
    """The status of one device at one moment."""

    device: str  # e.g. "card_reader", "printer"
    state: DeviceState
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    media: dict[str, str] = field(default_factory=dict)  # e.g. {"card": "present"}, {"paper": "low"}
    error: DeviceError | None = None
    detail: dict[str, str] = field(default_factory=dict)  # firmware, SAM id, URL — nothing personal

    @property
    def operational(self) -> bool:
        """Return whether the device can serve a citizen now."""
        return self.state in OPERATIONAL_STATES

    def as_dict(self) -> dict[str, Any]:
        """Return the snapshot as JSON-ready data (for the store and telemetry)."""
        return {
            "device": self.device,
            "state": self.state.value,
            "at": self.at.isoformat(),
            "media": dict(self.media),
            "error": None if self.error is None else {
                "kind": self.error.kind.value, "action": self.error.action.value,
                "code": self.error.code, "message": self.error.message,
            },
            "detail": dict(self.detail),
        }


class DeviceUnavailable(Exception):
    """The single failure a poller reports when a driver cannot give a status."""

    def __init__(self, device: str, reason: str) -> None:
        """Remember which device and why."""
        super().__init__(f"{device} unavailable: {reason}")
        self.device, self.reason = device, reason


def unavailable(device: str, reason: str, state: DeviceState = DeviceState.OFFLINE) -> Snapshot:
    """Return the snapshot of a device that could not be reached."""
    return Snapshot(
        device, state,
        error=DeviceError(ErrorKind.HARDWARE, ClearAction.RESET, "unavailable", reason),
    )
