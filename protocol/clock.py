"""Trusted time for a terminal whose clock may be wrong, and broker verification that does not trust it.

A terminal without a working RTC boots in 1970; OpenSSL then calls every certificate "not yet
valid" and the terminal could never reach central to learn the time. The decision:

- The terminal keeps a *last known good* time (a file), raised by every signed ack from central
  (acks carry central's time under its signature). Its floor is the software epoch (no release
  runs before it was built).
- The system clock may raise it too, but never further than central's last signed time plus the
  monotonic time elapsed since that ack arrived (and a little slack): one false reading of the
  system clock (a bad NTP answer, a mistyped date) can no longer push it years ahead.
- Central's signed time raises it at most ten minutes past a system clock that looks sane (not
  behind what the terminal knows): a central clock running ahead cannot lock the fleet out.
- A last known good time in the future is corrected by a signed ack whose time agrees with the
  system clock: two independent witnesses. A replayed old ack alone never lowers it.
- When the system clock is behind the last known good time, the TLS connection to the broker is
  verified by this module instead of OpenSSL: the chain, the key usages and the broker's name
  with `cryptography`'s verifier, at the trusted time (never earlier than the certificates'
  own start, since the true time is only known to be at least the trusted one). An expired
  broker certificate is still refused once its end lies before what the terminal knows.
- The first signed ack then gives the terminal central's time.

Nothing else depends on TLS for integrity: envelopes are signed and encrypted end to end and
acks are signed, so even a broker accepted on a weak time cannot read or forge them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import time as monotonic_time
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509 import DNSName, IPAddress
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from domain.idnumbers import SOFTWARE_EPOCH

log = logging.getLogger(__name__)
EPOCH = datetime.combine(SOFTWARE_EPOCH, time(), UTC)  # no release of this software runs before it
SLACK = timedelta(minutes=10)
AGREEMENT = timedelta(hours=1)  # a signed time this close to the system clock confirms the system clock


def utc_now() -> datetime:
    """Return the system's idea of now."""
    return datetime.now(UTC)


class TrustedClock:
    """The system clock, never allowed to run behind the last known good time."""

    def __init__(self, path: Path, system: Callable[[], datetime] = utc_now,
                 monotonic: Callable[[], float] = monotonic_time.monotonic) -> None:
        """Keep the last known good time in ``path``."""
        self.path, self.system, self.monotonic = path, system, monotonic
        self._signed: tuple[datetime, float] | None = None  # central's last signed time, and when it arrived

    def last_known_good(self) -> datetime:
        """Return the latest time known to have passed (at least the software epoch)."""
        try:
            stored = datetime.fromisoformat(self.path.read_text().strip())
        except (OSError, ValueError):
            return EPOCH
        return max(stored.astimezone(UTC), EPOCH)

    def system_is_wrong(self) -> bool:
        """Return whether the system clock is behind what the terminal knows (no RTC, a reset battery)."""
        return self.system() < self.last_known_good() - SLACK

    def now(self) -> datetime:
        """Return the best time the terminal can vouch for."""
        return max(self.system(), self.last_known_good())

    def observe(self, moment: datetime) -> None:
        """Take central's signed time: raise the last known good time, or correct it if the system clock agrees."""
        self._signed = (moment, self.monotonic())
        known = self.last_known_good()
        if moment > known:  # a sane system clock also bounds central's: its clock may be the wrong one
            self._write(moment if self.system_is_wrong() else min(moment, self.system() + SLACK))
        elif known - moment > SLACK and abs(self.system() - moment) <= AGREEMENT:
            log.warning("last known good time %s was in the future; central's signed time %s corrects it",
                        known.isoformat(), moment.isoformat())
            self._write(moment)

    def observe_system(self) -> None:
        """Raise the last known good time to the system clock, at most as far as central's signed time vouches."""
        if self._signed is None:
            return  # no signed time in this process: the system clock alone raises nothing
        signed, arrived = self._signed
        ceiling = signed + timedelta(seconds=max(self.monotonic() - arrived, 0.0)) + SLACK
        moment = min(self.system(), ceiling)
        if moment > self.last_known_good():
            self._write(moment)

    def _write(self, moment: datetime) -> None:
        """Replace the stored last known good time with ``moment``, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_name(f".{self.path.name}.tmp")
        staging.write_text(moment.astimezone(UTC).isoformat())
        os.replace(staging, self.path)


def _subject(host: str) -> DNSName | IPAddress:
    """Return the name the broker's certificate must carry."""
    try:
        return IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return DNSName(host)


def verify_broker(der: bytes, host: str, ca_file: Path, at: datetime) -> None:
    """Verify the broker's certificate chain and name at ``at``; raise ssl.SSLCertVerificationError if not."""
    leaf = x509.load_der_x509_certificate(der)
    anchors = x509.load_pem_x509_certificates(ca_file.read_bytes())
    roots = [c for c in anchors if c.issuer == c.subject]
    intermediates = [c for c in anchors if c.issuer != c.subject]
    moment = max(at, leaf.not_valid_before_utc, *(c.not_valid_before_utc for c in intermediates))
    verifier = PolicyBuilder().store(Store(roots)).time(moment).build_server_verifier(_subject(host))
    try:
        verifier.verify(leaf, intermediates)
    except VerificationError as exc:
        problem = f"broker certificate refused at trusted time {moment:%Y-%m-%d}: {exc}"
        raise ssl.SSLCertVerificationError(problem) from None


def context_without_system_time(cert: str, key: str, password: str | None = None) -> ssl.SSLContext:
    """Return a TLS client context that presents our certificate and leaves verification to `verify_broker`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # verified in on_socket_open, before a byte of MQTT is sent
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key, password)
    return context


def peer_certificate(sock: Any) -> bytes:
    """Return the DER certificate the broker presented."""
    der = sock.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLCertVerificationError("the broker presented no certificate")
    return bytes(der)
