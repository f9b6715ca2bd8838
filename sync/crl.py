"""The terminal's side of the fleet's revocation list: the retained CRL taken, checked, and the newest one kept.

The broker hands over the retained CRL at each subscription (protocol/crl.py says what is kept and
why). Only the latest message waits for the pump: an older one that arrived first is not worth
checking. The kiosk reads the file this writes when a technician card is presented.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography import x509
from paho.mqtt.reasoncodes import ReasonCode

from l10n.cachefiles import write_whole
from protocol import crl, topics
from sync.catalog import EventRecorder

log = logging.getLogger(__name__)


@dataclass
class CrlKeeper:
    """Keeps the newest CRL the pinned issuing CA signed in ``path``."""

    path: Path
    issuing_ca: x509.Certificate
    store: EventRecorder  # where refusals are recorded as events for ops
    kept: int = 0  # CRLs written since start
    _latest: bytes | None = None
    _subscription: int = -1  # the message id of the latest subscription to the CRL topic
    _notes: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=8))  # from paho's thread
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: mqtt.Client) -> None:
        """Route the CRL topic's messages to this keeper."""
        client.message_callback_add(topics.CRL, self._on_message)

    def connected(self, client: mqtt.Client) -> None:
        """(Re)subscribe; the broker delivers the retained CRL at once."""
        self._subscription = client.subscribe(topics.CRL, qos=1)[1] or -1

    def subscribed(self, mid: int, codes: list[ReasonCode]) -> None:
        """Note a refused subscription (on paho's thread): a broker whose ACL predates the CRL topic."""
        if mid == self._subscription and any(code.is_failure for code in codes):
            self._notes.append(("crl_subscribe_refused", "the broker refused the subscription to the revocation "
                                "list: its ACL predates the topic (ops: regenerate it with provision broker-config)"))

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Keep the payload for the pump (on paho's thread: no disk, no crypto here); bounded before it is copied."""
        if len(message.payload) > crl.MAX_CRL:
            self._notes.append(("crl_refused", f"a revocation list of {len(message.payload)} bytes, over the "
                                f"{crl.MAX_CRL} taken"))
            return
        with self._lock:
            self._latest = bytes(message.payload)

    def step(self, client: mqtt.Client) -> None:
        """Check the latest CRL that arrived; write it when it is this fleet's and newer than the one held."""
        while self._notes:
            self._record(*self._notes.popleft())
        with self._lock:
            payload, self._latest = self._latest, None
        if not payload:
            return
        try:
            offered = crl.open_crl(payload, self.issuing_ca)
        except Exception as exc:  # CrlError, or anything a hostile payload makes the parser raise
            self._record("crl_refused", str(exc) if isinstance(exc, crl.CrlError) else "the CRL cannot be read")
            return
        held = crl.held(self.path, self.issuing_ca)
        if held is not None and crl.order(offered) <= crl.order(held):
            log.debug("an older revocation list ignored", extra={"event": "crl_older"})
            return
        write_whole(self.path, payload)
        self.kept += 1
        log.info("revocation list of %s kept (%d revoked)", offered.last_update_utc.isoformat(), len(offered),
                 extra={"event": "crl_kept"})

    def _record(self, kind: str, message: str) -> None:
        """Log a refusal and record it as an event for ops."""
        log.warning("revocation list: %s", message, extra={"event": kind})
        self.store.record_event(kind, "warning", {"message": message[:300]})
