"""A private mosquitto with TLS, client certificates and the project's ACL, and a test PKI."""

from __future__ import annotations

import datetime as dt
import getpass
import ipaddress
import shutil
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync import topics

CENTRAL_USER = "central"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


class ScratchPki:
    """A throw-away CA that issues server and client certificates (the PKI issue makes real ones)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(_name("Yichuang test CA")).issuer_name(_name("Yichuang test CA"))
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
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
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mosquitto:
    """mosquitto on a free loopback port: TLS, certificates required, CN as username, the ACL."""

    def __init__(self, directory: Path, pki: ScratchPki) -> None:
        self.directory, self.pki = directory, pki
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        cert, key, _ = self.pki.issue("localhost", server=True)
        acl = self.directory / "acl"
        acl.write_text(topics.acl_lines(CENTRAL_USER))
        conf = self.directory / "mosquitto.conf"
        conf.write_text(
            f"per_listener_settings false\nuser {getpass.getuser()}\nlistener {self.port} 127.0.0.1\n"
            f"cafile {self.pki.ca_path}\ncertfile {cert}\nkeyfile {key}\n"
            "require_certificate true\nuse_identity_as_username true\nallow_anonymous false\n"
            f"acl_file {acl}\npersistence false\nlog_dest file {self.directory / 'mosquitto.log'}\n"
        )
        self.process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert self.process.poll() is None, self.process.stderr.read().decode() if self.process.stderr else ""
            assert time.monotonic() < deadline, "mosquitto did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
