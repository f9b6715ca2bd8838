"""The fleet's certificate revocation list on a terminal: checked against the pinned issuing CA, the newest one kept.

The enrollment service keeps the issuing CA's CRL retained on ``yc/v1/pki/crl``; the sync agent
takes each one that arrives, keeps it when the pinned CA signed it and it is newer than the one it
holds, and the kiosk reads it to refuse a revoked technician card. Anyone may read the topic: a
CRL is public and only the CA's signature makes it count. A CRL past its next update is still the
newest word the terminal has: an offline terminal keeps refusing what it lists.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from protocol.techcard import PARSE_ERRORS

MAX_CRL = 1024 * 1024  # a CRL entry is ~40 bytes: this holds ~25,000 revoked certificates


class CrlError(ValueError):
    """The bytes are not a CRL this terminal may use; the message says why, for ops."""


def open_crl(data: bytes, issuing_ca: x509.Certificate) -> x509.CertificateRevocationList:
    """Return the CRL in ``data`` (PEM or DER) once the pinned issuing CA's signature over it holds."""
    if not data or len(data) > MAX_CRL:
        raise CrlError(f"the CRL is empty or over {MAX_CRL} bytes")
    key = issuing_ca.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise CrlError("the pinned issuing CA has no ECDSA key")
    try:
        crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----BEGIN")
               else x509.load_der_x509_crl(data))
        signed = crl.issuer == issuing_ca.subject and crl.is_signature_valid(key)
    except PARSE_ERRORS:
        raise CrlError("the CRL cannot be read") from None
    if not signed:
        raise CrlError("the CRL is not signed by this fleet's issuing CA")
    return crl


def number(crl: x509.CertificateRevocationList) -> int:
    """Return the CRL's number (0 when it has none)."""
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def order(crl: x509.CertificateRevocationList) -> tuple[int, datetime]:
    """Return what makes one CRL newer than another: its number (the CA's counter), then its last update.

    The number first: a CRL signed while the CA host's clock ran ahead must not hide every later one.
    """
    return number(crl), crl.last_update_utc


def held(path: Path, issuing_ca: x509.Certificate | None) -> x509.CertificateRevocationList | None:
    """Return the CRL the terminal holds at ``path``, checked again (None: none held, or not this CA's)."""
    if issuing_ca is None:
        return None
    try:
        return open_crl(path.read_bytes()[: MAX_CRL + 1], issuing_ca)
    except (OSError, CrlError):
        return None


def revoked(crl: x509.CertificateRevocationList | None, serial: int) -> bool:
    """Return whether ``crl`` lists the certificate with ``serial``."""
    return crl is not None and crl.get_revoked_certificate_by_serial_number(serial) is not None
