"""The fleet monitor's intake: presence and heartbeats from the broker, the latest of each terminal kept.

Paho's network thread hands every message to ``_on_message``; a message is typed and bounded at
once (the only error is ``Refused``, counted and logged per terminal) and only the latest of each
terminal is kept, under a lock the flush shares. Whether the monitor can hear at all (a broker, and
long enough since subscribing) decides whether silence means anything.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt

from central.monitor.health import MISSED_BEATS
from protocol import topics
from protocol.heartbeat import Heartbeat, Presence, Refused, read_heartbeat, read_presence
from protocol.link import Link, tls_client

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Seen:
    """The latest of one terminal."""

    presence: Presence | None = None
    beat: Heartbeat | None = None
    beat_at: datetime | None = None


class Latest(dict[str, Seen]):
    """The latest of each terminal, remembering which terminals changed since the flush last took them.

    Replace a terminal's ``Seen`` (or let the intake change it) rather than change one in place: a
    flush assesses again only the terminals named here, the ones whose silence deadline passed and
    the ones whose registry entry changed.
    """

    def __init__(self, *args: Any) -> None:
        """Hold ``args`` as a dict does; every terminal in it counts as changed."""
        super().__init__(*args)
        self.changed: set[str] = set(self)

    def __setitem__(self, terminal: str, seen: Seen) -> None:
        """Set a terminal's latest and note that it changed."""
        super().__setitem__(terminal, seen)
        self.changed.add(terminal)

    def of(self, terminal: str) -> Seen:
        """Return a terminal's latest, made empty if it had none, noting that it changed (the caller changes it)."""
        self.changed.add(terminal)
        return self.setdefault(terminal, Seen())

    def take(self) -> set[str]:
        """Return the terminals changed since the last call, and forget them."""
        changed, self.changed = self.changed, set()
        return changed


class Intake:
    """Every terminal's latest presence and heartbeat, as the broker delivers them."""

    def __init__(self, link: Link, interval: timedelta, name: str) -> None:
        """Connect with the fleet identity of ``link`` (terminals beat every ``interval``) as client ``name``."""
        self.link, self.interval = link, interval
        self._seen = Latest()
        self.garbage = 0  # messages refused: garbage, or heartbeats out of bounds
        self.refusals: dict[str, int] = {}  # refused messages by terminal ("-": a topic naming none)
        self.heartbeats = 0
        self.ready = threading.Event()
        self._lock = threading.Lock()
        self.client = tls_client(name, link)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(
            [(f"{topics.PREFIX}/+/state", 1), (f"{topics.PREFIX}/+/telemetry", 0)])
        self.client.on_subscribe = self._listening
        self.client.on_disconnect = self._deafened
        self.started = False
        self.listening_since: datetime | None = None  # subscribed to the fleet's topics since then
        self.deaf_since: datetime | None = None  # lost the broker then (None: not lost, or never connected)
        self.client.on_message = self._on_message

    @property
    def seen(self) -> Latest:
        """Return the latest of each terminal."""
        return self._seen

    @seen.setter
    def seen(self, latest: dict[str, Seen]) -> None:
        """Replace the latest of every terminal (each one there before or now counts as changed)."""
        with self._lock:
            gone = set(self._seen) - set(latest)
            self._seen = Latest(latest)
            self._seen.changed |= gone

    def _listening(self, client: mqtt.Client, userdata: object, mid: int, codes: object, properties: object) -> None:
        """Note that the fleet's presence and heartbeats reach the monitor again."""
        self.listening_since, self.deaf_since = datetime.now(UTC), None
        self.ready.set()

    def _deafened(self, client: mqtt.Client, userdata: object, flags: object, reason: object,
                  properties: object) -> None:
        """Note that the monitor lost the broker (paho reconnects by itself)."""
        if not self.started:
            return
        if self.deaf_since is None:
            self.deaf_since = datetime.now(UTC)
        self.listening_since = None
        log.warning("fleet monitor lost the broker: states are not current until it reconnects")

    def blind_since(self, now: datetime) -> datetime | None:
        """Return since when silence proves nothing (the monitor could not hear), or None when it can.

        While the monitor has no broker, and for three heartbeat intervals after it subscribes
        again (or first), a silent terminal may simply not have been heard yet: its alerts wait.
        """
        if not self.started:
            return None
        if self.listening_since is None:
            return self.deaf_since or now
        if now - self.listening_since < self.interval * MISSED_BEATS:
            return self.listening_since
        return None

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Take one presence or heartbeat; count and log anything else."""
        terminal: str | None = None
        try:
            terminal = topics.terminal_of(message.topic)
            if terminal is None:
                raise Refused("bad_topic")
            if message.topic.endswith("/state"):
                state = read_presence(message.payload)
                with self._lock:
                    self.seen.of(terminal).presence = state
            else:
                beat = read_heartbeat(message.payload, terminal)
                with self._lock:
                    seen = self.seen.of(terminal)
                    seen.beat, seen.beat_at = beat, datetime.now(UTC)
                    self.heartbeats += 1
        except ValueError as exc:  # Refused, or a topic that is not UTF-8
            self._refused(terminal, getattr(exc, "reason", "bad_topic"))

    def _refused(self, terminal: str | None, reason: str) -> None:
        """Count a message or heartbeat the monitor does not take; log the first of each power of ten per terminal."""
        with self._lock:
            self.garbage += 1
            if terminal is not None and terminal not in self.seen:
                self.seen[terminal] = Seen()  # heard of, though nothing it said was usable
            count = self.refusals[terminal or "-"] = self.refusals.get(terminal or "-", 0) + 1
        if count == 10 ** (len(str(count)) - 1):
            log.warning("fleet monitor refused telemetry of %s (%s): %d so far", terminal or "an unknown topic",
                        reason, count)

    def drop(self, terminal: str) -> None:
        """Forget a terminal's heartbeat that assessment, a rule, the history or the database could not take."""
        with self._lock:
            seen = self.seen.get(terminal)
            if seen is None or seen.beat is None:
                return  # already dropped at an earlier step of this flush
            self.seen[terminal] = Seen(seen.presence)
        self._refused(terminal, "unusable")

    def beat(self, terminal: str) -> Heartbeat | None:
        """Return one terminal's latest heartbeat (None before the first)."""
        seen = self.seen.get(terminal)
        return seen.beat if seen is not None else None

    def catalog(self, terminal: str) -> str | None:
        """Return the catalog version a terminal's latest heartbeat names (None before the first)."""
        beat = self.beat(terminal)
        return beat.catalog_version if beat is not None else None
