"""Certificate rotation, the terminal's side: a new key and certificate at two thirds of the certificate's life.

When the trusted clock says two thirds of the certificate's life have passed, the terminal makes
a new ECDSA P-256 key, sends a CSR for it signed by its current key over its current identity
(``yc/v1/t/{id}/pki/req``), checks central's answer against its pinned CA chain, installs the
new key (encrypted like the device key) and certificate through staging files, and sends a
``confirm`` over the new identity so central revokes the old certificate. Central keeps the
old certificate in its history, so envelopes sealed with the old key still verify there.
Runs while the agent is stopped (the broker makes the CN the client id: one connection at a time).
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import logging
import os
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from protocol import topics
from protocol.clock import TrustedClock
from protocol.link import Link, tls_client

log = logging.getLogger(__name__)
CONTEXT = b"yichuang certificate request v1\n"  # what the terminal signs (provisioning/renewal.py checks it)
ANSWER_CONTEXT = b"yichuang enrollment answer v1\n"  # what the issuing CA signs (provisioning/answer.py)
MAX_ANSWER_BYTES = 64 * 1024
ROTATE_AT = 2 / 3  # of the certificate's life
CONFIRM_TRIES = 10


class RotationError(RuntimeError):
    """The rotation did not complete; the terminal keeps whichever identity the message names."""


@dataclass(frozen=True)
class Rotated:
    """The certificate the terminal now uses and the one it replaced (serials in hex)."""

    serial: str
    replaced: str
    not_after: datetime


def canonical(data: dict[str, Any]) -> bytes:
    """Serialize a request one way only: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_request(request: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return the bytes a terminal publishes: ``request`` with its signature by ``key``."""
    signature = key.sign(CONTEXT + canonical(request), ec.ECDSA(hashes.SHA256()))
    return json.dumps({**request, "sig": base64.b64encode(signature).decode()}).encode()


def life_used(cert: x509.Certificate, now: datetime) -> float:
    """Return the share of the certificate's validity that has passed at ``now`` (0 before, above 1 after)."""
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    return (now - start) / (end - start)


def due(cert_file: Path, clock: TrustedClock) -> bool:
    """Return whether the certificate has reached two thirds of its life by the trusted clock."""
    return life_used(x509.load_pem_x509_certificate(cert_file.read_bytes()), clock.now()) >= ROTATE_AT


def identity_of(path: Path) -> tuple[int, int] | None:
    """Return what tells one certificate file from its replacement (inode, change time), or None when absent."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns


class DueWatch:
    """Called on every pump turn: stops the agent when its certificate falls due or was replaced.

    Due (checked at most every ``every`` seconds): the service manager's restart rotates before
    the agent connects again (the broker allows one connection per CN). Replaced (checked every
    turn, one stat): a re-enrollment at the technician screen installed a new certificate and key,
    which the agent takes up by starting again.
    """

    def __init__(self, cert_file: Path, clock: TrustedClock, stop: threading.Event, every: float = 3600.0,
                 loaded: tuple[int, int] | None = None) -> None:
        """Watch ``cert_file`` by ``clock``; set ``stop`` once it is due or replaced since ``loaded`` (its identity)."""
        self.cert_file, self.clock, self.stop, self.every = cert_file, clock, stop, every
        self.due = self.replaced = False
        self._checked = time.monotonic()  # not at once: a rotation that failed at start is retried an hour later
        self._identity = loaded if loaded is not None else identity_of(cert_file)

    def __call__(self) -> None:
        """Stop on a replaced certificate; check whether it is due if the last check is ``every`` seconds old."""
        if identity_of(self.cert_file) != self._identity:
            self.replaced = True
            self.stop.set()
            return
        now = time.monotonic()
        if now - self._checked < self.every:
            return
        self._checked = now
        if self.cert_file.exists() and due(self.cert_file, self.clock):
            self.due = True
            self.stop.set()


def open_reply(payload: bytes, chain_file: Path) -> dict[str, Any]:
    """Return central's answer once its signature checks against the pinned issuing CA (fields unchecked)."""
    try:
        if len(payload) > MAX_ANSWER_BYTES:
            raise ValueError("too large")
        envelope = json.loads(payload)
        body, signature = envelope["answer"], base64.b64decode(envelope["sig"], validate=True)
        issuing = x509.load_pem_x509_certificates(chain_file.read_bytes())[0].public_key()
        if not isinstance(issuing, ec.EllipticCurvePublicKey) or not isinstance(body, str):
            raise ValueError("not an ECDSA CA")
        issuing.verify(signature, ANSWER_CONTEXT + body.encode(), ec.ECDSA(hashes.SHA256()))
        answer = json.loads(body)
    except (ValueError, KeyError, TypeError, RecursionError, binascii.Error, InvalidSignature, IndexError):
        raise RotationError("central's answer is not signed by the fleet's CA: nothing installed") from None
    if not isinstance(answer, dict):
        raise RotationError("central's answer is not an object: nothing installed")
    return answer


def _ask(link: Link, terminal: str, payload: bytes, clock: TrustedClock, timeout: float) -> dict[str, Any]:
    """Send one request over ``link``'s identity and return central's checked answer to it."""
    request_id = secrets.token_hex(16).encode()
    answers: queue.Queue[bytes] = queue.Queue()
    subscribed: queue.Queue[bool] = queue.Queue()
    client = tls_client(terminal, link, clock)
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.pki_response(terminal), qos=1)
    client.on_subscribe = lambda c, u, mid, codes, p: subscribed.put(not codes[0].is_failure)
    client.on_message = lambda c, u, m: answers.put(bytes(m.payload)) if getattr(
        m.properties, "CorrelationData", None) == request_id else None
    try:
        client.connect(link.host, link.port)
    except OSError as exc:
        raise RotationError(f"cannot reach the broker ({exc.__class__.__name__})") from None
    client.loop_start()
    try:
        if not subscribed.get(timeout=timeout):
            raise RotationError("the broker refused the certificate response topic")
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.CorrelationData = request_id
        client.publish(topics.pki_request(terminal), payload, qos=1, properties=properties)
        return open_reply(answers.get(timeout=timeout), Path(link.ca))
    except queue.Empty:
        raise RotationError("no answer from central's enrollment service") from None
    finally:
        client.loop_stop()
        client.disconnect()


def _check(answer: dict[str, Any], terminal: str, key: ec.EllipticCurvePrivateKey, chain_file: Path) -> bytes:
    """Return the new certificate's PEM once it is for our key and CN and issued by our pinned CA."""
    if answer.get("status") != "ok" or not isinstance(answer.get("certificate"), str):
        reason = answer.get("message", answer.get("reason"))
        raise RotationError(f"central refused the renewal: {str(reason)[:200]}")
    try:
        cert = x509.load_pem_x509_certificate(answer["certificate"].encode())
        cert.verify_directly_issued_by(x509.load_pem_x509_certificates(chain_file.read_bytes())[0])
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    except (ValueError, TypeError, InvalidSignature, IndexError):
        raise RotationError("the renewed certificate does not chain to the pinned CA") from None
    if cert.public_key() != key.public_key() or not names or names[0].value != terminal:
        raise RotationError("central answered with a certificate for another key or terminal")
    return cert.public_bytes(serialization.Encoding.PEM)


def _staged(cert_file: Path, key_file: Path) -> tuple[Path, Path]:
    """Return where the new certificate and key are staged before they move into place."""
    return cert_file.with_name(f".{cert_file.name}.new"), key_file.with_name(f".{key_file.name}.new")


def _write_synced(path: Path, data: bytes, mode: int) -> None:
    """Write a new file with ``mode`` and flush it to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


@contextmanager
def _installing(cert_file: Path) -> Iterator[None]:
    """Hold the pki folder's install lock: one process at a time stages or moves a key and certificate.

    The kiosk (re-enrollment) and the sync agent (rotation, and resume() at each start) may install
    at once; without it a starting agent took the kiosk's half-staged certificate for a power cut's.
    """
    with open(cert_file.with_name(".install.lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def install_pair(cert_file: Path, key_file: Path, pem: bytes, key: ec.EllipticCurvePrivateKey,
                 password: str | None) -> None:
    """Stage the certificate, then the key (both synced); move the key, then the certificate into place (resume())."""
    staged_cert, staged_key = _staged(cert_file, key_file)
    encoding = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    with _installing(cert_file):
        for path in (staged_key, staged_cert):
            path.unlink(missing_ok=True)
        _write_synced(staged_cert, pem, 0o644)
        _write_synced(staged_key, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    encoding), 0o600)
        staged_key.replace(key_file)
        staged_cert.replace(cert_file)


def resume(cert_file: Path, key_file: Path) -> None:
    """Finish an install a power cut interrupted, or drop one that never started moving files.

    A staged certificate alone means the new key is in place: its certificate follows. A staged
    key means nothing moved: the old pair is intact, and central renews again for it (until confirmed).
    """
    staged_cert, staged_key = _staged(cert_file, key_file)
    with _installing(cert_file):
        if staged_cert.exists() and not staged_key.exists():
            staged_cert.replace(cert_file)
        for path in (staged_key, staged_cert):
            path.unlink(missing_ok=True)


def rotate(link: Link, terminal: str, clock: TrustedClock, timeout: float = 20.0) -> Rotated:
    """Renew the certificate of ``link``'s identity, install it and confirm the switch to central.

    The new key is stored as the old one was: encrypted with ``link.key_password`` (the device key's).
    """
    password = link.key_password
    cert_file, key_file = Path(link.cert), Path(link.key)
    old = x509.load_pem_x509_certificate(cert_file.read_bytes())
    current = serialization.load_pem_private_key(key_file.read_bytes(), password.encode() if password else None)
    if not isinstance(current, ec.EllipticCurvePrivateKey):
        raise RotationError(f"{key_file} is not an ECDSA key")
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, terminal)]))
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    answer = _ask(link, terminal, sign_request({"v": 1, "kind": "renew", "csr": csr}, current), clock, timeout)
    pem = _check(answer, terminal, key, Path(link.ca))
    install_pair(cert_file, key_file, pem, key, password)
    pending = unconfirmed(cert_file)
    pending.touch()
    new = x509.load_pem_x509_certificate(pem)
    log.info("certificate renewed", extra={"event": "certificate_renewed", "terminal": terminal})
    _confirm(link, terminal, key, clock, timeout)
    pending.unlink()
    return Rotated(format(new.serial_number, "x"), format(old.serial_number, "x"), new.not_valid_after_utc)


def unconfirmed(cert_file: Path) -> Path:
    """Return the marker of an installed certificate whose predecessor central has not revoked yet."""
    return cert_file.with_name(f".{cert_file.name}.unconfirmed")


def confirm_pending(link: Link, terminal: str, clock: TrustedClock, timeout: float = 20.0) -> bool:
    """Send the confirmation a previous rotation could not deliver; return whether one was pending."""
    pending = unconfirmed(Path(link.cert))
    if not pending.exists():
        return False
    password = link.key_password
    key = serialization.load_pem_private_key(Path(link.key).read_bytes(), password.encode() if password else None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise RotationError(f"{link.key} is not an ECDSA key")
    _confirm(link, terminal, key, clock, timeout)
    pending.unlink()
    return True


def _confirm(link: Link, terminal: str, key: ec.EllipticCurvePrivateKey, clock: TrustedClock, timeout: float) -> None:
    """Tell central, over the new identity, that the old certificate may be revoked (retrying while it is early)."""
    for _ in range(CONFIRM_TRIES):
        answer = _ask(link, terminal, sign_request({"v": 1, "kind": "confirm"}, key), clock, timeout)
        if answer.get("status") == "ok":
            return
        if answer.get("reason") != "too_early":
            raise RotationError(f"central refused the confirmation: {str(answer.get('message'))[:200]}")
        threading.Event().wait(1.0)  # not time.sleep: its absolute monotonic deadline breaks under faketime
    raise RotationError("central did not take the confirmation; the old certificate stays valid until it expires")
