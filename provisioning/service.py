"""The enrollment service: turns a token and a CSR into a certificate, a registry entry and a hall profile.

A bare terminal connects with the shared claim identity, which the broker's ACL lets write only
``yc/v1/claim/{request}/req`` and read only ``…/resp``. The service (central's identity) checks
the token (known, unused, unexpired), checks the CSR's signature, picks the terminal id, signs the
certificate with the issuing CA and registers the terminal — all or nothing: a refusal leaves the
token unused.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine

from central.platform.registry import Registry
from protocol.link import Link, tls_client
from protocol.topics import CLAIM_PREFIX
from provisioning.pki import Issuer, PkiError
from provisioning.tokens import EnrollmentRefused, mark_used_by, next_terminal_id, redeem

log = logging.getLogger(__name__)
REQUEST = re.compile(r"^yc/v1/claim/([A-Za-z0-9]{16,64})/req$")
MAX_REQUEST_BYTES = 16 * 1024
CERT_DAYS = 90


def request_topic(request_id: str) -> str:
    """Return where a claim request is published."""
    return f"{CLAIM_PREFIX}/{request_id}/req"


def response_topic(request_id: str) -> str:
    """Return where the answer to a claim request is published."""
    return f"{CLAIM_PREFIX}/{request_id}/resp"


@dataclass
class Enroller:
    """The decision part of the service, without MQTT (tested on its own)."""

    engine: Engine
    issuer: Issuer
    cert_days: int = CERT_DAYS

    def answer(self, payload: bytes) -> dict[str, Any]:
        """Return the response to one claim request (status ok, or refused with a reason code)."""
        try:
            token, csr = _parse(payload)
            return self._enroll(token, csr)
        except EnrollmentRefused as exc:
            return {"v": 1, "status": "refused", "reason": exc.code, "message": str(exc)}

    def _enroll(self, token: str, csr: x509.CertificateSigningRequest) -> dict[str, Any]:
        """Redeem the token, certify the key and register the terminal in one transaction."""
        with self.engine.begin() as conn:
            profile = redeem(conn, token, datetime.now(UTC))
            terminal = next_terminal_id(conn, profile.prefix)
            try:
                cert = self.issuer.issue(terminal, csr.public_key(), self.cert_days)
            except PkiError as exc:
                raise EnrollmentRefused("bad_key", str(exc)) from None
            pem = cert.public_bytes(serialization.Encoding.PEM)
            Registry.register(conn, terminal, pem, hall=profile.hall, site=profile.site, location=profile.location)
            mark_used_by(conn, token, terminal)
        ca = self.issuer.directory
        log.info("enrolled %s for hall %s", terminal, profile.hall)
        return {
            "v": 1, "status": "ok", "terminal": terminal, "certificate": pem.decode(),
            "chain": (ca / "chain.pem").read_text(),
            "profile": {"hall": profile.hall, "site": profile.site, "location": profile.location},
            "central": {"uplink": (ca / "central" / "uplink.pub").read_text(),
                        "ack": (ca / "central" / "ack.pub").read_text()},
        }


def _parse(payload: bytes) -> tuple[str, x509.CertificateSigningRequest]:
    """Read a claim request; refuse anything malformed."""
    if len(payload) > MAX_REQUEST_BYTES:
        raise EnrollmentRefused("bad_request", "the request is too large")
    try:
        data = json.loads(payload)
        token, csr_pem = data["token"], data["csr"]
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        signed = csr.is_signature_valid
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, UnsupportedAlgorithm):  # a nesting bomb
        raise EnrollmentRefused("bad_request", "the request is not a token and a CSR") from None
    if not isinstance(token, str) or not signed:
        raise EnrollmentRefused("bad_csr", "the CSR's signature does not match its key")
    return token, csr


class EnrollmentService:
    """Answers claim requests on the broker until stopped."""

    def __init__(self, enroller: Enroller, link: Link, name: str = "enrollment") -> None:
        """Connect as central's identity under ``name``."""
        self.enroller, self.link = enroller, link
        self.ready = threading.Event()
        self.client = tls_client(name, link)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(f"{CLAIM_PREFIX}/+/req", qos=1)
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.ready.set()
        self.client.on_message = self._on_message

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        """Answer one request (on paho's thread: enrollments are rare and quick)."""
        match = REQUEST.match(message.topic)
        if match is None:
            return
        try:
            answer = self.enroller.answer(bytes(message.payload))
        except Exception:  # a database or CA failure: the terminal is told to retry, the service goes on
            log.exception("enrollment failed")
            answer = {"v": 1, "status": "refused", "reason": "central_error", "message": "central failed; retry"}
        client.publish(response_topic(match.group(1)), json.dumps(answer).encode(), qos=1)

    def start(self) -> None:
        """Connect and serve."""
        self.client.connect_async(self.link.host, self.link.port)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def service_link(ca_dir: Path, host: str, port: int, identity: str = "central") -> Link:
    """Return how a central service reaches the broker with its certificate from the CA directory."""
    services = ca_dir / "services"
    return Link(host, port, str(ca_dir / "chain.pem"), str(services / f"{identity}.pem"),
                str(services / f"{identity}.key"))
