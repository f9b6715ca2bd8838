"""The enrollment service: turns a token and a CSR into a certificate, a registry entry and a hall profile.

A bare terminal connects with its claim medium's certificate (CN ``claim-<8 hex>``), which the
broker's ACL lets write only ``yc/v1/claim/{its CN}/req`` and read only ``…/{its CN}/resp``; the
request id travels as MQTT 5 correlation data and comes back with the answer. The service
(central's identity, on the services listener) checks the token (known, unused, unexpired),
checks the CSR's signature, picks the terminal id, signs the certificate with the issuing CA and
registers the terminal — all or nothing: a refusal leaves the token unused. Each CN has a token
bucket (a burst of 5, then one request per 10 s): a flooding medium's excess is dropped and
counted, and the requests it may send wait their turn with every other medium's (round robin).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine

from central.platform.metrics import EnrollmentMetrics
from central.platform.registry import Registry
from protocol import topics
from protocol.link import Link, tls_client, with_login
from protocol.ratelimit import RateLimit
from provisioning.answer import signed_answer
from provisioning.crlpub import CrlPublisher
from provisioning.pki import Issuer, PkiError
from provisioning.renewal import Renewer, bound_terminal
from provisioning.tokens import EnrollmentRefused, mark_used_by, next_terminal_id, redeem

log = logging.getLogger(__name__)
REQUEST = re.compile(r"^yc/v1/claim/([A-Za-z0-9-]{1,64})/req$")  # the level is the sender's CN (the ACL's %u)
PKI_REQUEST = re.compile(r"^yc/v1/t/([A-Za-z0-9-]{1,64})/pki/req$")  # a terminal's certificate requests (renewal.py)
MAX_REQUEST_BYTES = 16 * 1024
MAX_CORRELATION_BYTES = 64
CERT_DAYS = 90
BURST, REFILL_SECONDS = 5, 10.0  # per claim CN: 5 requests at once, then one per 10 s


@dataclass
class Enroller:
    """The decision part of the service, without MQTT (tested on its own)."""

    engine: Engine
    issuer: Issuer
    cert_days: int = CERT_DAYS
    metrics: EnrollmentMetrics = field(default_factory=EnrollmentMetrics)

    def answer(self, payload: bytes) -> dict[str, Any]:
        """Return the response to one claim request (status ok, or refused with a reason code)."""
        try:
            token, csr, reenroll = _parse(payload)
            answer = self._enroll(token, csr, reenroll)
        except EnrollmentRefused as exc:
            answer = {"v": 1, "status": "refused", "reason": exc.code, "message": str(exc)}
        self.metrics.answers.labels(answer.get("reason", answer["status"])).inc()
        return answer

    def _enroll(self, token: str, csr: x509.CertificateSigningRequest, reenroll: str | None) -> dict[str, Any]:
        """Redeem the token, certify the key and register the terminal in one transaction."""
        with self.engine.begin() as conn:
            profile = redeem(conn, token, datetime.now(UTC))
            terminal = bound_terminal(conn, profile, reenroll) or next_terminal_id(conn, profile.prefix)
            try:
                cert = self.issuer.issue(terminal, csr.public_key(), self.cert_days)
            except PkiError as exc:
                raise EnrollmentRefused("bad_key", str(exc)) from None
            pem = cert.public_bytes(serialization.Encoding.PEM)
            if profile.terminal:  # re-enrollment: the same id, the expired certificate kept in the history
                Registry.replace_certificate(conn, terminal, pem)
            else:
                Registry.register(conn, terminal, pem, hall=profile.hall, site=profile.site, location=profile.location)
            mark_used_by(conn, token, terminal)
        ca = self.issuer.directory
        log.info("enrolled %s for hall %s", terminal, profile.hall,
                 extra={"event": "enrolled", "terminal": terminal, "hall": profile.hall})
        return {
            "v": 1, "status": "ok", "terminal": terminal, "certificate": pem.decode(),
            "chain": (ca / "chain.pem").read_text(),
            "profile": {"hall": profile.hall, "site": profile.site, "location": profile.location},
            "central": {"uplink": (ca / "central" / "uplink.pub").read_text(),
                        "ack": (ca / "central" / "ack.pub").read_text()},
            "signing": {"catalog": (ca / "signing" / "catalog.pub").read_text(),
                        "command": (ca / "signing" / "command.pub").read_text()},
        }


def _parse(payload: bytes) -> tuple[str, x509.CertificateSigningRequest, str | None]:
    """Read a claim request; refuse anything malformed."""
    if len(payload) > MAX_REQUEST_BYTES:
        raise EnrollmentRefused("bad_request", "the request is too large")
    try:
        data = json.loads(payload)
        token, csr_pem, reenroll = data["token"], data["csr"], data.get("reenroll")
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        signed = csr.is_signature_valid
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, UnsupportedAlgorithm):  # a nesting bomb
        raise EnrollmentRefused("bad_request", "the request is not a token and a CSR") from None
    if not isinstance(token, str) or not signed:
        raise EnrollmentRefused("bad_csr", "the CSR's signature does not match its key")
    if reenroll is not None and not isinstance(reenroll, str):
        raise EnrollmentRefused("bad_request", "the re-enrollment names no terminal")
    return token, csr, reenroll


class EnrollmentService:
    """Answers claim requests on the broker until stopped: per CN rate-limited, in turns across CNs."""

    def __init__(self, enroller: Enroller, link: Link, name: str | None = None) -> None:
        """Connect as central's identity under ``name`` (a service client id, unique to this process)."""
        self.enroller, self.link = enroller, link
        self.ready = threading.Event()
        self.limit = RateLimit(BURST, REFILL_SECONDS)
        self.dropped: dict[str, int] = {}  # requests over the rate limit, by CN
        self._pending: dict[str, deque[tuple[bytes, bytes]]] = {}  # CN -> (payload, correlation)
        self._turns: deque[str] = deque()  # CNs with pending requests, in the order they are served
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._worker = threading.Thread(target=self._work, name="enrollment", daemon=True)
        client_id = name or topics.service_client_id("enrollment", f"{socket.gethostname()}-{os.getpid()}")
        self.client = tls_client(client_id, link)
        self.renewer = Renewer(enroller.engine, enroller.issuer, enroller.cert_days, enroller.metrics)
        self.crl = CrlPublisher(enroller.issuer.directory / "issuing" / "crl.pem")
        self.client.on_connect = self._on_connect
        self.client.on_publish = lambda c, u, mid, reason, p: self.crl.acknowledged(mid, reason)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = self._on_message

    def _on_connect(self, client: mqtt.Client, userdata: object, flags: Any, reason: Any, props: Any) -> None:
        """Subscribe to claim and certificate requests; hand terminals the CRL (retained)."""
        if reason.is_failure:
            return
        client.subscribe([(f"{topics.CLAIM_PREFIX}/+/req", 1), (topics.pki_request("+"), 1)])
        self.crl.connected()

    def alive(self) -> bool:
        """Return whether the thread answering requests runs."""
        return self._worker.is_alive()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Queue one request in its CN's turn, or drop it when that CN is over its rate (on paho's thread)."""
        match = REQUEST.match(message.topic) or PKI_REQUEST.match(message.topic)
        if match is None or message.retain:
            return
        cn = message.topic  # the sender (its CN is a level) and the kind of request: one bucket and turn each
        correlation = getattr(message.properties, "CorrelationData", b"") or b""
        with self._changed:
            if not self.limit.allow(cn) or len(correlation) > MAX_CORRELATION_BYTES:
                self._drop(match.group(1))
                return
            if cn not in self._pending:
                self._pending[cn] = deque()
                self._turns.append(cn)
            self._pending[cn].append((bytes(message.payload), bytes(correlation)))
            self._changed.notify()

    def _drop(self, cn: str) -> None:
        """Count a request refused by the rate limit; log the first of each burst (the CN only: no personal data)."""
        self.dropped[cn] = self.dropped.get(cn, 0) + 1
        self.enroller.metrics.dropped.inc()
        if self.dropped[cn] % 1000 == 1:
            log.warning("claim medium %s is over its request rate: %d requests dropped", cn, self.dropped[cn])

    def _next(self) -> tuple[str, bytes, bytes] | None:
        """Take the next CN's oldest request (round robin), or None after a short wait."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._turns, timeout=0.2):
                return None
            cn = self._turns.popleft()
            payload, correlation = self._pending[cn].popleft()
            if self._pending[cn]:
                self._turns.append(cn)
            else:
                del self._pending[cn]
            return cn, payload, correlation

    def _work(self) -> None:
        """Answer requests until stopped; a database or CA failure answers ``central_error`` and goes on."""
        while not self._stopping.is_set():
            self.crl.step(self.client)
            taken = self._next()
            if taken is None:
                continue
            topic, payload, correlation = taken
            try:
                answer, response = self._answer(topic, payload)
            except Exception:  # the terminal is told to retry, the service goes on
                log.exception("enrollment failed")
                answer = {"v": 1, "status": "refused", "reason": "central_error", "message": "central failed; retry"}
                response = _response(topic)
                self.enroller.metrics.answers.labels("central_error").inc()
            properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
            if correlation:
                properties.CorrelationData = correlation
            signed = signed_answer(answer, self.enroller.issuer.key)
            self.client.publish(response, signed, qos=1, properties=properties)

    def _answer(self, topic: str, payload: bytes) -> tuple[dict[str, Any], str]:
        """Answer a claim or a terminal's certificate request; return the answer and where it goes."""
        renewal = PKI_REQUEST.match(topic)
        if renewal is not None:
            return self.renewer.answer(renewal.group(1), payload), _response(topic)
        return self.enroller.answer(payload), _response(topic)

    def start(self) -> None:
        """Connect and serve."""
        self._worker.start()
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()

    def stop(self) -> None:
        """Stop answering and disconnect."""
        self._stopping.set()
        self._worker.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()


def _response(request: str) -> str:
    """Return the response topic of a request topic (its last level ``req`` becomes ``resp``)."""
    return request.removesuffix("/req") + "/resp"


def service_link(ca_dir: Path, host: str, port: int, identity: str = "central") -> Link:
    """Return how a central service reaches the broker's services listener with its identity from the CA directory."""
    services = ca_dir / "services"
    link = Link(host, port, str(ca_dir / "chain.pem"), str(services / f"{identity}.pem"),
                str(services / f"{identity}.key"))
    return with_login(link, identity)
