"""Can this terminal reach the broker with its identity? A TLS handshake only: no MQTT session is touched.

The broker's certificate is checked against the CA (at the trusted time when the system clock is
known to be wrong), and the broker checks this terminal's certificate against the chain and the
CRL: a revoked or foreign certificate is refused with an alert the probe names — during the
handshake in TLS 1.2, just after it in TLS 1.3, which is why the probe waits a moment on the open
connection. Nothing is sent, so the running sync agent's session, its will and its presence stay
as they are.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

from protocol.clock import TrustedClock, context_without_system_time, verify_broker
from protocol.link import Link

TIMEOUT_S = 10.0
VERDICT_S = 1.5  # how long the broker has to refuse a certificate after the handshake


def _context(link: Link, clock: TrustedClock | None) -> tuple[ssl.SSLContext, bool]:
    """Return the TLS context and whether the broker must be verified by hand (a clock known to be wrong)."""
    if clock is not None and clock.system_is_wrong():
        return context_without_system_time(link.cert, link.key, link.key_password), True
    context = ssl.create_default_context(cafile=link.ca)
    context.load_cert_chain(link.cert, link.key, password=link.key_password)
    return context, False


def probe_broker(link: Link, clock: TrustedClock | None = None, timeout: float = TIMEOUT_S) -> str | None:
    """Return None when the broker takes this terminal's certificate, else why not, in words."""
    try:
        context, by_hand = _context(link, clock)
    except (OSError, ssl.SSLError) as exc:
        return f"this terminal's certificate or key cannot be used: {getattr(exc, 'reason', None) or exc}"
    try:
        raw = socket.create_connection((link.host, link.port), timeout=timeout)
    except OSError as exc:
        return f"cannot reach the broker at {link.host}:{link.port}: {exc.strerror or type(exc).__name__}"
    try:
        return _handshake(context, raw, link, clock if by_hand else None)
    finally:
        raw.close()


def _handshake(context: ssl.SSLContext, raw: socket.socket, link: Link, clock: TrustedClock | None) -> str | None:
    """Shake hands over ``raw``; with ``clock``, verify the broker's chain at its trusted time."""
    try:
        with context.wrap_socket(raw, server_hostname=link.host) as tls:
            if clock is not None:
                verify_broker(tls.getpeercert(binary_form=True) or b"", link.host, Path(link.ca), clock.now())
            return _verdict(tls)
    except ssl.SSLCertVerificationError as exc:
        return f"the broker's certificate does not verify: {exc.verify_message or exc}"
    except ssl.SSLError as exc:
        reason = (exc.reason or type(exc).__name__).lower().replace("_", " ")
        if "revoked" in reason:
            return "the broker refused this terminal's certificate: it is revoked"
        return f"the broker refused the TLS handshake: {reason}"
    except (OSError, ValueError) as exc:
        return f"the TLS handshake failed: {exc}"


def _verdict(tls: ssl.SSLSocket) -> str | None:
    """Wait a moment for the broker's answer to this terminal's certificate (TLS 1.3 sends it after the handshake)."""
    tls.settimeout(VERDICT_S)
    try:
        closed = tls.recv(1) == b""
    except TimeoutError:
        return None  # silence: the broker waits for an MQTT CONNECT, so it took the certificate
    if closed:
        return "the broker refused the TLS handshake: it closed the connection"
    return None
