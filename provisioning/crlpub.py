"""The enrollment service keeps the issuing CA's CRL retained on the broker, where every terminal reads it.

Revocations happen in other processes (`provision revoke`, `provision technician-card revoke`, the
daily `crl refresh`): they rewrite ``issuing/crl.pem``. The service publishes the file at each
connection and looks at it again every ``every`` seconds, publishing it when it changed. Terminals
check the CA's signature themselves (protocol/crl.py): the broker and this service only carry it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from protocol import topics

log = logging.getLogger(__name__)
CHECK_EVERY = 30.0


class CrlPublisher:
    """Publishes ``crl_file`` (PEM) retained as DER on ``yc/v1/pki/crl`` whenever it is new."""

    def __init__(self, crl_file: Path, every: float = CHECK_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """Watch ``crl_file``; look at it at most every ``every`` seconds."""
        self.crl_file, self.every, self.clock = crl_file, every, clock
        self.published = b""  # the DER last handed to paho
        self._looked = float("-inf")
        self._unreadable = False

    def publish(self, client: mqtt.Client) -> bool:
        """Publish the CRL as it is now (at each connection); return whether there was one to publish."""
        der = self._read()
        if der is not None:
            client.publish(topics.CRL, der, qos=1, retain=True)
            self.published = der
        return der is not None

    def step(self, client: mqtt.Client) -> None:
        """Publish the CRL again when its file changed since it was last published (checked every ``every`` s)."""
        if self.clock() - self._looked < self.every:
            return
        self._looked = self.clock()
        der = self._read()
        if der is not None and der != self.published:
            client.publish(topics.CRL, der, qos=1, retain=True)
            self.published = der
            log.info("published the revocation list to terminals", extra={"event": "crl_published"})

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
