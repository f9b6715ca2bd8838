"""The enrollment service keeps the issuing CA's CRL retained on the broker, where every terminal reads it.

Revocations happen in other processes (`provision revoke`, `provision technician-card revoke`, the
daily `crl refresh`): they rewrite ``issuing/crl.pem``. The service publishes the file at each
connection and looks at it again every ``every`` seconds, publishing it when it changed; every publish
happens on the service's worker thread, so an older file's bytes never go out after a newer one's. Terminals
check the CA's signature themselves (protocol/crl.py): the broker and this service only carry it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from paho.mqtt.reasoncodes import ReasonCode

from protocol import crl, topics

log = logging.getLogger(__name__)
CHECK_EVERY = 30.0


class CrlPublisher:
    """Publishes ``crl_file`` (PEM) retained as DER on ``yc/v1/pki/crl`` whenever it is new (from one thread)."""

    def __init__(self, crl_file: Path, every: float = CHECK_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Watch ``crl_file``; look at it at most every ``every`` seconds."""
        self.crl_file, self.every, self.clock = crl_file, every, clock
        self.published = b""  # the DER last handed to paho
        self.sent: deque[int] = deque(maxlen=16)  # message ids of the latest CRL publishes
        self._refusals: deque[tuple[int, str]] = deque(maxlen=64)  # PUBACK failures, from paho's thread
        self._looked = float("-inf")
        self._connected = threading.Event()  # set on paho's thread at each connection: the next step publishes
        self._unreadable = False

    def connected(self) -> None:
        """Have the next step publish the CRL as it is (called on paho's thread at each connection)."""
        self._connected.set()

    def step(self, client: mqtt.Client) -> None:
        """Publish after a connection, or when the file changed (looked at every ``every`` s); on one thread only."""
        self._check_refusals()
        forced = self._connected.is_set()
        if not forced and self.clock() - self._looked < self.every:
            return
        self._connected.clear()
        self._looked = self.clock()
        der = self._read()
        if der is None or (der == self.published and not forced):
            return
        if len(der) > crl.MAX_CRL:
            log.error("the revocation list is %d bytes, over the %d terminals take: not published", len(der),
                      crl.MAX_CRL, extra={"event": "crl_too_large"})
            return
        self.sent.append(client.publish(topics.CRL, der, qos=1, retain=True).mid)
        self.published = der
        log.info("published the revocation list to terminals", extra={"event": "crl_published"})

    def acknowledged(self, mid: int, reason: ReasonCode) -> None:
        """Note a publish the broker refused (on paho's thread; the worker's next step looks at it)."""
        if reason.is_failure:
            self._refusals.append((mid, str(reason)))

    def _check_refusals(self) -> None:
        """Log a CRL publish the broker refused (an ACL from before the CRL topic, say) and publish again later."""
        while self._refusals:
            mid, reason = self._refusals.popleft()
            if mid in self.sent:
                log.error("the broker refused the revocation list (%s): regenerate its configuration with "
                          "`provision broker-config` and restart it", reason, extra={"event": "crl_publish_refused"})
                self.published = b""  # published again at the next look

    def _read(self) -> bytes | None:
        """Return the CRL file as DER, or None (logged once until it reads again) when it cannot be read."""
        try:
            der = x509.load_pem_x509_crl(self.crl_file.read_bytes()).public_bytes(serialization.Encoding.DER)
        except (OSError, ValueError) as exc:
            if not self._unreadable:
                log.error("the revocation list %s cannot be read: %s", self.crl_file, exc,
                          extra={"event": "crl_unreadable"})
            self._unreadable = True
            return None
        self._unreadable = False
        return der
