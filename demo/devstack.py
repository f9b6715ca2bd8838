"""A development stack: a scratch PKI and a private mosquitto with TLS, client certificates and the ACL.

Used by the tests and by `make demo`. The provisioning issue makes the production CA and broker
configuration; this one is throw-away (certificates valid for days) and never for a real hall.
"""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import create_engine, text

from central.platform import keys
from demo.ports import free_port
from protocol import topics
from protocol.link import Link, service_password, with_login
from provisioning import broker as broker_config
from provisioning.broker import SERVICE_CNS, SERVICE_USERS, limits, listeners, write_password_file

CENTRAL_USER = broker_config.CENTRAL_USER

CA_NAME = "Yichuang scratch CA"


def _name(cn: str) -> x509.Name:
    """Return a subject with only a common name."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    """Write an unencrypted PKCS#8 key readable by its owner only."""
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


class ScratchPki:
    """A throw-away CA that issues server and client certificates."""

    def __init__(self, directory: Path) -> None:
        """Create the CA in ``directory``."""
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(_name(CA_NAME)).issuer_name(_name(CA_NAME))
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_path = directory / "ca.pem"
        self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cn: str, server: bool = False) -> tuple[Path, Path, ec.EllipticCurvePrivateKey]:
        """Issue a certificate for ``cn``; return (cert path, key path, key)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        cert_path, key_path = self.directory / f"{cn}.pem", self.directory / f"{cn}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        return cert_path, key_path, key


class Mosquitto:
    """mosquitto on two loopback ports, as `provision broker-config` makes it: public and services listeners."""

    def __init__(self, directory: Path, pki: ScratchPki, port: int | None = None,
                 services_port: int | None = None) -> None:
        """Prepare a broker whose files live in ``directory``."""
        self.directory, self.pki = directory, pki
        self.port = port or free_port()  # terminals and claim media: the certificate's CN is the client id
        self.services_port = services_port or free_port()  # central and the fleet monitor: a password too
        self.process: subprocess.Popen[bytes] | None = None
        self._services: dict[str, Link] = {}

    def link(self, cn: str) -> Link:
        """Return how ``cn`` reaches this broker: a service on the services listener, others with a new certificate."""
        if cn in SERVICE_USERS:
            return self.service_link(cn)
        cert, key, _ = self.pki.issue(cn)
        return Link("127.0.0.1", self.port, str(self.pki.ca_path), str(cert), str(key))

    def service_link(self, user: str) -> Link:
        """Return service ``user``'s login on the services listener (one certificate per service, made once)."""
        if user not in self._services:
            cert, key, _ = self.pki.issue(user)
            plain = Link("127.0.0.1", self.services_port, str(self.pki.ca_path), str(cert), str(key))
            self._services[user] = with_login(plain, user)
        return self._services[user]

    def start(self, timeout: float = 10) -> None:
        """Start mosquitto and wait until it accepts connections."""
        self.directory.mkdir(parents=True, exist_ok=True)
        cert, key, _ = self.pki.issue("localhost", server=True)
        (self.directory / "acl").write_text(topics.acl_lines(*SERVICE_CNS))
        (self.directory / "services.acl").write_text(topics.services_acl_lines())
        keys = {user: Path(self.service_link(user).key) for user in SERVICE_USERS}
        write_password_file(self.directory / "passwd", {u: service_password(k) for u, k in keys.items()})
        tls = f"cafile {self.pki.ca_path}\ncertfile {cert}\nkeyfile {key}\n"
        both = listeners(tls, self.directory, public=(self.port, "127.0.0.1"),
                         services=(self.services_port, "127.0.0.1"))
        conf = self.directory / "mosquitto.conf"
        conf.write_text(
            f"per_listener_settings true\nuser {getpass.getuser()}\n{both}"
            f"persistence false\n{limits()}log_dest file {self.directory / 'mosquitto.log'}\n"
        )
        self.process = start_mosquitto(conf, self.port, timeout)

    def stop(self) -> None:
        """Stop mosquitto."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def private_broker(folder: Path) -> Iterator[Mosquitto]:
    """Run a fresh mosquitto with its own scratch PKI in ``folder`` (emptied first) until the block ends."""
    shutil.rmtree(folder, ignore_errors=True)
    broker = Mosquitto(folder / "broker", ScratchPki(folder / "pki"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def start_mosquitto(conf: Path, port: int, timeout: float = 10) -> subprocess.Popen[bytes]:
    """Run ``mosquitto -c conf`` and wait until it accepts connections on ``port``."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen(  # noqa: S603 - our own configuration file
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"mosquitto exited: {error.strip()}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("mosquitto did not start listening")
        time.sleep(0.05)


@contextmanager
def postgres_schema(url: str, prefix: str = "yc") -> Iterator[str]:
    """Yield a URL whose connections use a fresh schema of the PostgreSQL at ``url``; drop it afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


MAIN = Path(__file__).resolve().parents[1] / "main.py"


def yichuang(*args: str) -> list[str]:
    """Return the command line of a `yichuang` subcommand run by this interpreter."""
    return [sys.executable, str(MAIN), *args]


@contextmanager
def central_stack(directory: Path, fleet_args: tuple[str, ...] = ()) -> Iterator[tuple[Mosquitto, str, Path]]:
    """Run mosquitto (scratch PKI, TLS, ACL), `central serve` and `fleet serve ARGS`; yield (broker, db URL, keys)."""
    shutil.rmtree(directory, ignore_errors=True)
    broker = Mosquitto(directory / "broker", ScratchPki(directory / "pki"))
    broker.start()
    keys_dir, db_url = directory / "central-keys", f"sqlite:///{directory / 'central.db'}"
    keys.generate(keys_dir)
    link = broker.link(CENTRAL_USER)
    url = f"mqtts://127.0.0.1:{broker.services_port}"
    fleet = broker.link("fleet")
    servers = [
        subprocess.Popen(yichuang(  # noqa: S603 - our own CLI
            "central", "serve", "--broker", url, "--ca", link.ca, "--cert", link.cert, "--key", link.key,
            "--keys", str(keys_dir), "--db", db_url)),
        subprocess.Popen(yichuang(  # noqa: S603 - our own CLI
            "fleet", "serve", "--broker", url, "--ca", fleet.ca, "--cert", fleet.cert, "--key", fleet.key,
            "--db", db_url, *fleet_args)),
    ]
    try:
        yield broker, db_url, keys_dir
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
        broker.stop()
