"""The fleet's typed rows, from the monitor's flush to the API, the pages, the metrics, the alert rules and the CLI.

One ``State`` enum, declared in the order every list shows terminals (needing action first),
with named sets; one frozen row per terminal per flush (the monitor keeps the previous object
when nothing changed, so a steady fleet leaves the garbage collector little to do); a hall's
counts; and what the alert rules read of a terminal. Times are ISO 8601 text in
UTC, as central's database and the JSON API carry them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from protocol.heartbeat import Heartbeat


class State(StrEnum):
    """What ops see per terminal, declared needing action first (the order of every list and count)."""

    OFFLINE = "offline"
    DEGRADED = "degraded"
    REVOKED = "revoked"
    RETIRED = "retired"  # decommissioned for good
    MAINTENANCE = "maintenance"
    ONLINE = "online"  # the only state in which a terminal takes applications

    @property
    def rank(self) -> int:
        """Return this state's place in the needing-action-first order (0: the most urgent)."""
        return _RANKS[self]


_RANKS = {state: rank for rank, state in enumerate(State)}
QUIET = frozenset({State.MAINTENANCE, State.REVOKED, State.RETIRED})  # serviced, cut off or gone: nobody is paged


@dataclass(frozen=True, slots=True)
class Registered:
    """What central's registry says of one terminal (an unregistered one is heard of, but not registered)."""

    hall: str = ""
    site: str = ""
    revoked: bool = False
    maintenance: bool = False
    retired: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalStatus:
    """One terminal in a flush: where it stands, its state and why, and since when (fields in the table's order)."""

    terminal: str
    hall: str = ""
    site: str = ""
    state: State
    reasons: tuple[str, ...] = ()
    last_heartbeat: str | None = None  # when the monitor received it (None: never)
    backlog: int | None = None  # entries in the terminal's outbox, from its last heartbeat
    oldest_unsynced_s: float | None = None
    changed_at: str  # when the state or its reasons last changed


@dataclass(frozen=True, slots=True, kw_only=True)
class WrittenStatus(TerminalStatus):
    """A terminal's status as the monitor last wrote it to central's database, and when it wrote it."""

    written_at: str

    def status(self) -> TerminalStatus:
        """Return the status without the time it was written."""
        return TerminalStatus(**{f.name: getattr(self, f.name) for f in fields(TerminalStatus)})


@dataclass(frozen=True, slots=True)
class HallCount:
    """One hall's terminals: how many, how many can take applications, and how many are in each state."""

    hall: str
    total: int
    available: int
    by_state: dict[State, int]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the alert rules read of one terminal: its status, its latest heartbeat, and the slow queries' findings."""

    row: TerminalStatus
    beat: Heartbeat | None = None
    gaps: bool = False  # central misses some of its sequence numbers
    help_open: bool = False  # a citizen's help request waits for staff
