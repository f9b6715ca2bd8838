"""`provision enroll`: turn a bare terminal into an enrolled one with a token.

The device key is made here, never leaves, and is stored encrypted under the store's key
provider (protocol/keypass.py); the CSR travels with the token over the claim medium's
identity (on its own request topic); the answer's certificate is checked against our key and
the CA chain before anything is written. Everything is written into a staging folder and moved into place at the
end, so a refused token, a wrong CA or no network leaves the terminal as clean as before.
"""

from __future__ import annotations

import json
import os
import pwd
import queue
import secrets
import shutil
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from domain.passwords import hash_secret
from kiosk.config import Config, load_config, render_config, write_private
from kiosk.services.technician import pin_problem
from kiosk.store.opening import open_store
from kiosk.store.providers import provider_for
from protocol import topics
from protocol.address import parse_broker
from protocol.clock import TrustedClock
from protocol.keypass import key_password
from protocol.link import Link, tls_client
from provisioning.answer import AnswerError, open_answer
from sync.rotation import install_pair


class EnrollError(RuntimeError):
    """Enrollment did not happen; the message says why in words for the technician."""


@dataclass(frozen=True)
class Enrolled:
    """What the terminal became."""

    terminal: str
    hall: str
    config: Path


def hash_pin(pin: str) -> str:
    """Hash a technician PIN with scrypt (a modern memory-hard KDF) and a random salt."""
    if (problem := pin_problem(pin)) is not None:
        raise EnrollError(problem)
    return hash_secret(pin)


def _common_name(cert_file: str) -> str:
    """Return the CN of the claim medium's certificate (the broker's username and client id for it)."""
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
        names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value)
    except (OSError, ValueError, IndexError):
        raise EnrollError(f"{cert_file} is not a claim medium's certificate") from None


def _answer_to(request_id: bytes, answers: queue.Queue[bytes]) -> Any:
    """Return an on_message callback queueing only the answers to ``request_id`` (the medium may ask twice)."""
    def on_message(client: object, userdata: object, message: Any) -> None:
        """Keep the answer whose correlation data is our request id."""
        if getattr(message.properties, "CorrelationData", None) == request_id:
            answers.put(bytes(message.payload))
    return on_message


def _request(link: Link, token: str, csr: bytes, timeout: float, clock: TrustedClock, *,
             reenroll: str | None = None) -> dict[str, Any]:
    """Send the claim on our CN's request topic and wait for central's answer to this request."""
    cn, request_id = _common_name(link.cert), secrets.token_hex(16).encode()
    answers: queue.Queue[bytes] = queue.Queue()
    subscribed: queue.Queue[bool] = queue.Queue()
    client = tls_client(cn, link, clock)  # the broker makes the CN the client id in any case
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topics.claim_response(cn), qos=1)
    client.on_subscribe = lambda c, u, mid, codes, p: subscribed.put(not codes[0].is_failure)
    client.on_message = _answer_to(request_id, answers)
    try:
        client.connect(link.host, link.port)
    except ssl.SSLCertVerificationError as exc:
        raise EnrollError(f"the broker's certificate is not trusted ({exc.verify_message or exc}): the claim "
                          "media's ca.pem is not this fleet's CA, or the broker address is wrong") from None
    except OSError as exc:
        raise EnrollError(f"cannot reach the broker at {link.host}:{link.port} ({exc.__class__.__name__}): "
                          "check the network cable, the address and the port") from None
    client.loop_start()
    try:
        if not subscribed.get(timeout=timeout):
            raise EnrollError("the broker refused the claim identity")
        claim = {"v": 1, "token": token.strip(), "csr": csr.decode()} | ({"reenroll": reenroll} if reenroll else {})
        payload = json.dumps(claim).encode()
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.CorrelationData = request_id
        client.publish(topics.claim_request(cn), payload, qos=1, properties=properties)
        return open_answer(answers.get(timeout=timeout), Path(link.ca).read_bytes())  # the claim media's chain
    except AnswerError as exc:
        raise EnrollError(str(exc)) from None
    except queue.Empty:
        raise EnrollError("no answer from central (the broker may refuse the claim certificate, "
                          "or the enrollment service is down)") from None
    finally:
        client.loop_stop()
        client.disconnect()


def _check_certificate(answer: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    """Check that the certificate is for our key and issued by the chain we were sent."""
    cert = x509.load_pem_x509_certificate(answer["certificate"].encode())
    chain = x509.load_pem_x509_certificates(answer["chain"].encode())
    if cert.public_key() != key.public_key():
        raise EnrollError("central answered with a certificate for another key")
    try:
        cert.verify_directly_issued_by(chain[0])
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise EnrollError(f"the certificate does not chain to the CA ({exc.__class__.__name__})") from None
    return cert


def _trusted(claim: tuple[Path, Path, Path], base: Config, reenroll: bool) -> tuple[str, str, str]:
    """Return the CA to trust, the claim's certificate and key: an enrolled terminal trusts only the CA it pinned."""
    ca, cert_file, key_file = (str(p) for p in claim)
    if reenroll and base.sync.ca_file.exists():
        ca = str(base.sync.ca_file)  # the medium lends its claim identity, never its trust
    return ca, cert_file, key_file


def enroll(token: str, broker: str, claim: tuple[Path, Path, Path], target: Path, *, pin: str | None,
           clock: TrustedClock, base: Config, timeout: float = 20.0, reenroll: bool = False) -> Enrolled:
    """Enroll with ``token`` through ``broker`` using the claim (CA, cert, key); write into ``target``.

    ``base`` is the image's configuration: its store's key provider protects the device key, and
    everything in it (devices, paper, panel, log level) is kept in the written terminal.toml.
    With ``reenroll`` ``base`` is the enrolled terminal's own: it keeps its id, its store and
    (without a ``pin``) its technician PIN, and gets a new key and certificate.
    """
    store = base.store
    host, port = parse_broker(broker)
    pin_hash = hash_pin(pin) if pin is not None else base.technician.pin_hash
    if not pin_hash:
        raise EnrollError("a technician PIN is needed")
    if reenroll and not base.terminal.id:
        raise EnrollError("--reenroll: the configuration names no terminal id (use it on an enrolled terminal)")
    if not reenroll and (target / "pki" / "terminal.pem").exists():
        raise EnrollError(f"{target / 'pki' / 'terminal.pem'} exists: this terminal is already enrolled "
                          "(a terminal whose certificate expired is re-enrolled with --reenroll)")
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enrollment")]))
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    ca, cert_file, key_file = _trusted(claim, base, reenroll)
    kept = base.terminal.id if reenroll else None
    answer = _request(Link(host, port, ca, cert_file, key_file), token, csr, timeout, clock, reenroll=kept)
    if answer.get("status") != "ok":
        raise EnrollError(f"central refused the enrollment: {answer.get('message', answer.get('reason'))}")
    if kept is not None and answer["terminal"] != kept:
        raise EnrollError(f"central answered for {answer['terminal']}, not {kept}: nothing installed")
    _check_certificate(answer, key)
    opened = open_store(store.path, provider_for(store))  # creates the store and its key on a bare terminal
    try:
        password = key_password(opened.device_secret())
    finally:
        opened.close()
    config = _configured(answer, broker, target / "pki", pin_hash=pin_hash, time_file=clock.path, base=base)
    if reenroll and config == base:  # the same id, hall, broker, files and PIN: only the pki folder changes
        return _reinstall(answer, key, base, password=password)
    return _install(answer, key, config, target, password=password)


def _public_files(answer: dict[str, Any]) -> dict[str, str]:
    """Return the certificate, the CA chain and central's public keys from the answer, by file name."""
    return {"terminal.pem": answer["certificate"], "ca.pem": answer["chain"],
            "uplink.pub": answer["central"]["uplink"], "ack.pub": answer["central"]["ack"],
            "catalog.pub": answer["signing"]["catalog"], "command.pub": answer["signing"]["command"]}


def _configured(answer: dict[str, Any], broker: str, final: Path, *, pin_hash: str, time_file: Path,
                base: Config) -> Config:
    """Return ``base`` made this terminal's: its id and hall, the broker, the files in ``final``, the PIN."""
    terminal, hall = answer["terminal"], answer["profile"]["hall"]
    return base.model_copy(update={
        "terminal": base.terminal.model_copy(update={"id": terminal, "hall": hall}),
        "sync": base.sync.model_copy(update={
            "broker": broker, "ca_file": final / "ca.pem", "cert_file": final / "terminal.pem",
            "key_file": final / "terminal.key", "central_key": final / "uplink.pub", "ack_key": final / "ack.pub",
            "command_key": final / "command.pub", "time_file": time_file}),
        "catalog": base.catalog.model_copy(update={"signing_key": final / "catalog.pub"}),
        "technician": base.technician.model_copy(update={"pin_hash": pin_hash})})


def _install(answer: dict[str, Any], key: ec.EllipticCurvePrivateKey, config: Config, target: Path, *,
             password: str) -> Enrolled:
    """Write key, certificates, central's keys and terminal.toml through a staging folder."""
    staging = target.with_name(f".{target.name}.enrolling")
    shutil.rmtree(staging, ignore_errors=True)
    pki = staging / "pki"
    pki.mkdir(parents=True)
    for name, text in _public_files(answer).items():
        (pki / name).write_text(text)
    fd = os.open(pki / "terminal.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(password.encode())))
    final = target / "pki"
    write_private(staging / "terminal.toml",
                  render_config(config, "Written by `yichuang provision enroll` over the image's configuration."))
    target.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    (staging / "pki").rename(final)
    (staging / "terminal.toml").replace(target / "terminal.toml")  # over an image's base configuration
    shutil.rmtree(staging, ignore_errors=True)
    load_config(target / "terminal.toml")  # the written configuration must load
    return Enrolled(config.terminal.id, config.terminal.hall, target / "terminal.toml")


def _reinstall(answer: dict[str, Any], key: ec.EllipticCurvePrivateKey, base: Config, *, password: str) -> Enrolled:
    """Replace the key and certificates in the terminal's own pki folder, file by file; terminal.toml stays.

    Only the pki folder need be writable (the kiosk's and the sync agent's units): a re-enrolled
    terminal keeps its id, hall, broker and files. The key moves before its certificate, as in a
    rotation, so the sync agent's start finishes an install a power cut interrupted.
    """
    section = base.sync
    if section.ca_file.exists() and section.ca_file.read_text() != answer["chain"]:
        raise EnrollError("central's answer carries another CA chain than the one this terminal pinned: "
                          "nothing installed")
    for name, text in _public_files(answer).items():
        path = section.cert_file.parent / name
        if name != "terminal.pem" and (not path.exists() or path.read_text() != text):
            staged = path.with_name(f".{name}.new")
            staged.write_text(text)
            staged.replace(path)
    install_pair(section.cert_file, section.key_file, answer["certificate"].encode(), key, password)
    return Enrolled(base.terminal.id, base.terminal.hall, section.cert_file.parent.parent / "terminal.toml")


def hand_over(config_file: Path, owner: str) -> None:
    """Give ``owner`` everything an enrollment (as root) wrote: the configuration, the keys, the store, the time file.

    The terminal's services run as ``owner``; modes stay as written (0600 for anything secret).
    """
    try:
        user = pwd.getpwnam(owner)
    except KeyError:
        raise EnrollError(f"--owner {owner!r}: no such user (create the service user first)") from None
    config = load_config(config_file)
    store, pki_dir = config.store, config.sync.cert_file.parent
    paths = [config_file, pki_dir, *pki_dir.iterdir(), store.path.parent, config.sync.time_file,
             *store.path.parent.glob(store.path.name + "*")]
    paths += [store.key_file] if store.key_provider == "file" else []
    paths += [store.tpm_dir, *store.tpm_dir.glob("*")] if store.key_provider == "tpm" else []
    for path in paths:
        if path.exists():
            os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)
