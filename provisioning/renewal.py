"""Certificate rotation, central's side: a registered terminal renews its certificate over its own identity.

The terminal writes ``yc/v1/t/{id}/pki/req`` (the broker's ACL: only the terminal whose CN is
``{id}``); the request is signed by the key of the certificate the registry holds for it
(proof of possession of the current identity), so neither a forged request nor a replay of an
old one (signed by a key that is no longer current) is honoured. ``renew`` carries a CSR for a
new key: central issues a certificate for the same CN and makes it the registry's, keeping the
old one in the certificate history so envelopes sealed before the switch still verify.
``confirm`` comes from the new identity once the terminal has switched: central revokes every
other certificate of the CN in the CRL.

Wire format: ``{"v": 1, "kind": "renew"|"confirm", "csr": "<PEM>" (renew only), "sig": "<base64 DER>"}``;
the signature covers ``CONTEXT`` and the canonical JSON of the request without ``sig``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Connection, Engine, select

from central.platform.metrics import EnrollmentMetrics
from central.platform.registry import CACHE_SECONDS, Registry
from central.platform.schema import certificate_history, terminals
from provisioning.pki import Issuer, PkiError
from provisioning.tokens import EnrollmentRefused, HallProfile
from sync.rotation import CONTEXT, canonical

log = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 16 * 1024
KINDS = ("renew", "confirm")


def _parse(payload: bytes) -> tuple[dict[str, Any], bytes]:
    """Return a request's fields and its signature; refuse anything malformed."""
    if len(payload) > MAX_REQUEST_BYTES:
        raise EnrollmentRefused("bad_request", "the request is too large")
    try:
        data = json.loads(payload)
        signature = base64.b64decode(data.pop("sig"), validate=True)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, binascii.Error):
        raise EnrollmentRefused("bad_request", "the request is not a signed certificate request") from None
    if data.get("v") != 1 or data.get("kind") not in KINDS or set(data) - {"v", "kind", "csr"}:
        raise EnrollmentRefused("bad_request", "the request is not a signed certificate request")
    return data, signature


def _csr(data: dict[str, Any]) -> x509.CertificateSigningRequest:
    """Return the request's CSR once its own signature checks."""
    try:
        csr = x509.load_pem_x509_csr(str(data["csr"]).encode())
        signed = csr.is_signature_valid
    except (ValueError, KeyError, UnsupportedAlgorithm):
        raise EnrollmentRefused("bad_request", "the renewal carries no CSR") from None
    if not signed:
        raise EnrollmentRefused("bad_csr", "the CSR's signature does not match its key")
    return csr


@dataclass
class Renewer:
    """The decision part of rotation, without MQTT (the enrollment service calls it)."""

    engine: Engine
    issuer: Issuer
    cert_days: int
    metrics: EnrollmentMetrics = field(default_factory=EnrollmentMetrics)

    def answer(self, terminal: str, payload: bytes) -> dict[str, Any]:
        """Return the answer to one certificate request from ``terminal`` (ok, or refused with a reason code)."""
        try:
            data, signature = _parse(payload)
            with self.engine.begin() as conn:
                current = _current(conn, terminal)
                unconfirmed = self._unconfirmed(conn, terminal) if data["kind"] == "renew" else []
                signer = _check_signature([current, *unconfirmed], data, signature)
                answer = self._renew(conn, terminal, current, _csr(data), again=signer is not current) \
                    if data["kind"] == "renew" else self._confirm(conn, terminal, current)
        except EnrollmentRefused as exc:
            answer = {"v": 1, "status": "refused", "reason": exc.code, "message": str(exc)}
        self.metrics.answers.labels(answer.get("reason", answer["status"])).inc()
        return answer

    def _unconfirmed(self, conn: Connection, terminal: str) -> list[x509.Certificate]:
        """Return the replaced certificates not yet revoked: the terminal may never have got their successor.

        A renewal answer lost on the way leaves the terminal with its old key while the registry
        holds the new certificate; until a ``confirm`` revokes the old one, it may ask again.
        """
        revoked = {e["serial"] for e in self.issuer.index() if e["cn"] == terminal and e["revoked_at"]}
        rows = conn.execute(select(certificate_history.c.serial, certificate_history.c.certificate).where(
            certificate_history.c.terminal == terminal)).all()
        return [x509.load_pem_x509_certificate(row.certificate.encode("ascii")) for row in rows
                if row.serial not in revoked]

    def _renew(self, conn: Connection, terminal: str, current: x509.Certificate,
               csr: x509.CertificateSigningRequest, *, again: bool) -> dict[str, Any]:
        """Certify the new key for the same CN and make it the registry's certificate.

        ``again``: signed by a replaced, unconfirmed key; the same CSR as before gets the same certificate.
        """
        if csr.public_key() == current.public_key():
            if again:
                return self._renewed(terminal, current.public_bytes(serialization.Encoding.PEM))
            raise EnrollmentRefused("bad_csr", "the CSR is for the current key: a rotation needs a new key")
        try:
            cert = self.issuer.issue(terminal, csr.public_key(), self.cert_days)
        except PkiError as exc:
            raise EnrollmentRefused("bad_key", str(exc)) from None
        pem = cert.public_bytes(serialization.Encoding.PEM)
        old = Registry.replace_certificate(conn, terminal, pem)
        log.info("renewed the certificate of %s (serial %s replaces %s)", terminal, format(cert.serial_number, "x"),
                 old, extra={"event": "certificate_renewed", "terminal": terminal})
        return self._renewed(terminal, pem)

    def _renewed(self, terminal: str, pem: bytes) -> dict[str, Any]:
        """Return the answer carrying a renewed certificate and the chain."""
        return {"v": 1, "status": "ok", "kind": "renew", "terminal": terminal, "certificate": pem.decode(),
                "chain": (self.issuer.directory / "chain.pem").read_text()}

    def _confirm(self, conn: Connection, terminal: str, current: x509.Certificate) -> dict[str, Any]:
        """Revoke every other certificate of the CN, now that the terminal uses the current one."""
        replaced = conn.execute(select(certificate_history.c.replaced_at).where(
            certificate_history.c.terminal == terminal)).scalars().all()
        latest = max((datetime.fromisoformat(at) for at in replaced), default=None)
        if latest is not None and datetime.now(UTC) - latest < timedelta(seconds=CACHE_SECONDS):
            raise EnrollmentRefused("too_early", "central's ingest may still hold the old certificate: retry")
        keep = format(current.serial_number, "x")
        others = {e["serial"] for e in self.issuer.index() if e["cn"] == terminal and e["serial"] != keep}
        revoked = self.issuer.revoke_serials(terminal, others)
        log.info("revoked %d replaced certificate(s) of %s", revoked, terminal,
                 extra={"event": "certificate_confirmed", "terminal": terminal})
        return {"v": 1, "status": "ok", "kind": "confirm", "terminal": terminal, "revoked": revoked}


def _current(conn: Connection, terminal: str) -> x509.Certificate:
    """Return the registered, unrevoked certificate of ``terminal``."""
    query = select(terminals.c.certificate, terminals.c.revoked_at).where(terminals.c.id == terminal)
    row = conn.execute(query).first()
    if row is None:
        raise EnrollmentRefused("unknown_terminal", f"{terminal} is not registered")
    if row.revoked_at is not None:
        raise EnrollmentRefused("revoked_terminal", f"{terminal} is revoked: it needs a re-enrollment token")
    return x509.load_pem_x509_certificate(row.certificate.encode("ascii"))


def _check_signature(signers: list[x509.Certificate], data: dict[str, Any], signature: bytes) -> x509.Certificate:
    """Return which of ``signers`` (the registered certificate first) signed the request; refuse if none did."""
    for cert in signers:
        key = cert.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):
            continue
        try:
            key.verify(signature, CONTEXT + canonical(data), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return cert
    raise EnrollmentRefused("bad_signature", "the request is not signed by the terminal's current key")


def bound_terminal(conn: Connection, profile: HallProfile, reenroll: str | None) -> str | None:
    """Return the id a re-enrollment keeps (None for a new terminal); refuse a token that names another terminal."""
    if not profile.terminal:
        if reenroll is not None:
            raise EnrollmentRefused("not_reenrollment", f"this token enrolls a new terminal, not {reenroll[:12]}: "
                                    f"ask ops for a re-enrollment token (`provision token reenroll {reenroll[:12]}`)")
        return None
    if reenroll != profile.terminal:
        raise EnrollmentRefused("token_terminal", f"this re-enrollment token is for {profile.terminal}, "
                                "not for this terminal")
    _current(conn, profile.terminal)  # still registered and not revoked
    return profile.terminal
