"""The technician card: a smart card whose key never leaves it, certified by the fleet's CA for technicians.

The terminal proves the card is there and unlocked: it sends a fresh random challenge, the card
(once its holder's PIN is verified on the card, which blocks itself after a few wrong ones) signs
``CONTEXT || challenge`` with ECDSA P-256, and hands over its certificate. The terminal accepts
the card when the certificate is issued directly by the fleet's issuing CA it pinned at enrollment,
is valid now, carries the technician extended key usage (so neither a terminal's nor a service's
certificate passes for a card, and a card's certificate is no TLS client to the broker), names a
technician (CN ``tech-<id>``), is not on the fleet's revocation list the terminal holds, and the
signature over this challenge verifies.

The card's APDUs are the driver's (drivers/cardreader/pcsc/techcard.py).
"""

from __future__ import annotations

import re
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TECHNICIAN_EKU = x509.ObjectIdentifier("2.25.115904737476479643564493395009174807872")  # a UUID OID: ours alone
CONTEXT = b"yichuang technician card v1\n"
MAX_CERTIFICATE = 4096  # a card's certificate is under 1 KiB: more is not one
MAX_SIGNATURE = 80  # a DER ECDSA P-256 signature is at most 72 bytes
TECHNICIAN = re.compile(r"tech-([A-Za-z0-9][A-Za-z0-9-]{0,31})")
PARSE_ERRORS = (ValueError, TypeError, x509.InvalidVersion, x509.DuplicateExtension, x509.UnsupportedGeneralNameType,
                x509.ExtensionNotFound, UnsupportedAlgorithm)  # what cryptography raises on a malformed certificate


class TechnicianCardError(ValueError):
    """The card is not a valid technician card for this fleet now; the message says why, for the technician."""


class TechnicianCardRevoked(TechnicianCardError):
    """The fleet's CRL this terminal holds lists the card's certificate (lost, stolen, or its holder left)."""


def _certificate(der: bytes) -> x509.Certificate:
    """Parse the card's certificate (bounded; any parse failure is a TechnicianCardError)."""
    if not der or len(der) > MAX_CERTIFICATE:
        raise TechnicianCardError("the card's certificate is missing or too large")
    try:
        return x509.load_der_x509_certificate(der)
    except PARSE_ERRORS:
        raise TechnicianCardError("the card's certificate cannot be read") from None


def _technician_of(cert: x509.Certificate) -> tuple[str, ec.EllipticCurvePublicKey]:
    """Return the technician's id the certificate names and its key, once it is a technician certificate."""
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        key = cert.public_key()
    except PARSE_ERRORS:
        raise TechnicianCardError("the card's certificate is not a technician's") from None
    found = TECHNICIAN.fullmatch(str(names[0].value)) if len(names) == 1 else None
    if TECHNICIAN_EKU not in usages or found is None or not isinstance(key, ec.EllipticCurvePublicKey):
        raise TechnicianCardError("the card's certificate is not a technician's")
    return found.group(1), key


def verify(der: bytes, signature: bytes, challenge: bytes, issuing_ca: x509.Certificate, now: datetime, *,
           crl: x509.CertificateRevocationList | None = None) -> str:
    """Return the technician's id when the card's proof for ``challenge`` holds now (TechnicianCardError otherwise).

    The CA's signature is checked before any field is read: what is read after was written by the CA.
    ``crl`` is the fleet's revocation list the terminal holds (protocol/crl.py), already checked.
    """
    cert = _certificate(der)
    try:
        cert.verify_directly_issued_by(issuing_ca)
    except (InvalidSignature, *PARSE_ERRORS):
        raise TechnicianCardError("the card was not issued by this fleet's CA") from None
    technician, key = _technician_of(cert)
    if crl is not None and crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
        raise TechnicianCardRevoked("the card has been revoked: ask ops")
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise TechnicianCardError(f"the card's certificate is not valid now (valid until "
                                  f"{cert.not_valid_after_utc:%Y-%m-%d}): ask ops for a renewed one")
    try:
        if len(signature) > MAX_SIGNATURE:
            raise InvalidSignature
        key.verify(signature, CONTEXT + challenge, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise TechnicianCardError("the card did not sign this terminal's challenge") from None
    return technician
