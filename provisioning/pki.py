"""The fleet's PKI: an offline root, an online issuing CA, service certificates, signing keys and the CRL.

Layout of the CA directory (`yichuang provision ca init --dir DIR`)::

    root/ca.pem  root/ca.key          offline root (move root/ca.key to offline media after init)
    issuing/ca.pem  issuing/ca.key    online issuing CA: signs terminal and service certificates
    issuing/crl.pem                   certificate revocation list, signed by the issuing CA
    issuing/issued.json               every certificate issued: serial, CN, expiry, revocation
    chain.pem                         issuing + root: what brokers and clients trust
    signing/catalog.key|.pub          Ed25519: signs catalogs sent to terminals
    signing/command.key|.pub          Ed25519: signs commands sent to terminals
    central/uplink.key|.pub           X25519: terminals encrypt envelopes to it
    central/ack.key|.pub              Ed25519: central signs acks with it
    services/{broker,central,fleet}.pem|.key   service identities (keys unencrypted, mode 600:
                                      daemons start unattended)
    claim/ca.pem claim.pem claim.key  the first claim medium (CN claim-<8 hex>) for a technician's
                                      enrollment media; `provision claim issue` makes more, one each

Every private key except the services' is encrypted at rest with the CA passphrase (PBKDF2-HMAC-SHA256,
600,000 iterations: keyfile.py).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from protocol.crl import number as crl_number
from provisioning.keyfile import encrypted_pem

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey
ROOT_DAYS, ISSUING_DAYS, SERVICE_DAYS, CRL_DAYS = 7300, 1825, 365, 30
SERVICES = ("central", "fleet")  # client identities besides terminals; the broker gets a server certificate


class PkiError(ValueError):
    """A PKI operation that cannot be done as asked (the message says why)."""


def _now() -> dt.datetime:
    """Return the current UTC time."""
    return dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    """Return a subject naming the organisation and ``cn``."""
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Yichuang"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file with ``mode`` from the first byte, never replacing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _replace(path: Path, data: bytes) -> None:
    """Replace a file atomically (the CRL and the index change after init)."""
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_bytes(data)
    staging.replace(path)


def private_pem(key: PrivateKey, passphrase: bytes | None) -> bytes:
    """Serialize a private key as PKCS#8, encrypted with PBKDF2 at 600,000 iterations when a passphrase is given."""
    if passphrase:
        return encrypted_pem(key, passphrase)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: PrivateKey) -> bytes:
    """Serialize the public half of a key."""
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private(path: Path, passphrase: bytes | None) -> Any:
    """Load a private key; a wrong or missing passphrase is a PkiError."""
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=passphrase)
    except (TypeError, ValueError):
        raise PkiError(f"{path}: wrong passphrase, or not a private key") from None


def _ca_cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate | None,
             issuer_key: ec.EllipticCurvePrivateKey, *, days: int, path_length: int) -> x509.Certificate:
    """Build a CA certificate (self-signed when ``issuer`` is None)."""
    now = _now()
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject))
        .issuer_name(issuer.subject if issuer else _name(subject)).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class Issuer:
    """The online issuing CA, unlocked: signs certificates and the CRL, keeps the index."""

    directory: Path
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def load(cls, directory: Path, passphrase: bytes) -> Issuer:
        """Unlock the issuing CA in ``directory``."""
        key = load_private(directory / "issuing" / "ca.key", passphrase)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise PkiError("the issuing CA key is not ECDSA")
        cert = x509.load_pem_x509_certificate((directory / "issuing" / "ca.pem").read_bytes())
        return cls(directory, cert, key)

    @property
    def index_path(self) -> Path:
        """The index of issued certificates."""
        return self.directory / "issuing" / "issued.json"

    def index(self) -> list[dict[str, Any]]:
        """Return every certificate issued so far."""
        if not self.index_path.exists():
            return []
        entries: list[dict[str, Any]] = json.loads(self.index_path.read_text())
        return entries

    def issue(self, cn: str, public_key: Any, days: int, *, server_names: tuple[str, ...] = (),
              usage: x509.ObjectIdentifier | None = None) -> x509.Certificate:
        """Sign a certificate for ``cn`` (a server certificate when ``server_names`` are given; ``usage``: its EKU)."""
        return self.issue_many([(cn, public_key)], days, server_names=server_names, usage=usage)[0]

    def issue_many(self, requests: list[tuple[str, Any]], days: int, *, server_names: tuple[str, ...] = (),
                   usage: x509.ObjectIdentifier | None = None) -> list[x509.Certificate]:
        """Sign a certificate for each (cn, public key) and record them all in the index with one write."""
        certs = [self._sign(cn, key, days, server_names, usage) for cn, key in requests]
        entries = [{"serial": format(c.serial_number, "x"), "cn": cn, "not_after": c.not_valid_after_utc.isoformat(),
                    "revoked_at": None} for (cn, _), c in zip(requests, certs, strict=True)]
        _replace(self.index_path, json.dumps([*self.index(), *entries], indent=1).encode())
        return certs

    def _sign(self, cn: str, public_key: Any, days: int, server_names: tuple[str, ...],
              usage: x509.ObjectIdentifier | None) -> x509.Certificate:
        """Build and sign one certificate."""
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
            raise PkiError("only ECDSA P-256 keys are certified")
        now = _now()
        usage = usage or (ExtendedKeyUsageOID.SERVER_AUTH if server_names else ExtendedKeyUsageOID.CLIENT_AUTH)
        builder = (
            x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, True, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        )
        if server_names:
            names: list[x509.GeneralName] = []
            for name in server_names:
                try:
                    names.append(x509.IPAddress(ipaddress.ip_address(name)))
                except ValueError:
                    names.append(x509.DNSName(name))
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def revoke(self, cn: str) -> int:
        """Revoke every unrevoked certificate of ``cn`` and rewrite the CRL; return how many."""
        now = _now().isoformat()
        entries = self.index()
        hits = [e for e in entries if e["cn"] == cn and e["revoked_at"] is None]
        for entry in hits:
            entry["revoked_at"] = now
        _replace(self.index_path, json.dumps(entries, indent=1).encode())
        self.write_crl()
        return len(hits)

    def revoke_serials(self, cn: str, serials: set[str]) -> int:
        """Revoke ``cn``'s unrevoked certificates with these serials (hex) and rewrite the CRL; return how many."""
        now = _now().isoformat()
        entries = self.index()
        hits = [e for e in entries if e["cn"] == cn and e["serial"] in serials and e["revoked_at"] is None]
        for entry in hits:
            entry["revoked_at"] = now
        _replace(self.index_path, json.dumps(entries, indent=1).encode())
        self.write_crl()
        return len(hits)

    def _crl_number(self) -> int:
        """Return the number of the CRL written last (a clock set back must not make the next one look older)."""
        return _number_of(self.directory / "issuing" / "crl.pem")

    def write_crl(self) -> x509.CertificateRevocationList:
        """Sign a CRL listing every revoked certificate and write it to issuing/crl.pem."""
        now = _now()
        number = x509.CRLNumber(max(int(now.timestamp() * 1000), self._crl_number() + 1))  # terminals keep the highest
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.cert.subject)
                   .last_update(now - dt.timedelta(minutes=5)).next_update(now + dt.timedelta(days=CRL_DAYS))
                   .add_extension(number, critical=False))
        for entry in (e for e in self.index() if e["revoked_at"]):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(int(entry["serial"], 16))
                .revocation_date(dt.datetime.fromisoformat(entry["revoked_at"])).build())
        crl = builder.sign(self.key, hashes.SHA256())
        _replace(self.directory / "issuing" / "crl.pem", crl.public_bytes(serialization.Encoding.PEM))
        return crl


def _number_of(crl_file: Path) -> int:
    """Return the number of the CRL in ``crl_file`` (0: none, or unnumbered)."""
    try:
        return crl_number(x509.load_pem_x509_crl(crl_file.read_bytes()))
    except (OSError, ValueError):
        return 0


def crl_next_update(directory: Path) -> dt.datetime:
    """Return when the CA directory's CRL stops being valid (its nextUpdate, UTC)."""
    crl = x509.load_pem_x509_crl((directory / "issuing" / "crl.pem").read_bytes())
    if crl.next_update_utc is None:
        raise PkiError("the CRL has no next update time")
    return crl.next_update_utc


def init_ca(directory: Path, passphrase: bytes, broker_names: tuple[str, ...]) -> Issuer:
    """Create the whole PKI in an empty ``directory``; return the unlocked issuing CA."""
    if len(passphrase) < 12:
        raise PkiError("the CA passphrase must have at least 12 characters")
    if directory.exists() and any(directory.iterdir()):
        raise PkiError(f"{directory} is not empty: a CA is never created over another one")
    root_key, issuing_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = _ca_cert("Yichuang root CA", root_key, None, root_key, days=ROOT_DAYS, path_length=1)
    issuing = _ca_cert("Yichuang issuing CA", issuing_key, root, root_key, days=ISSUING_DAYS, path_length=0)
    pem = serialization.Encoding.PEM
    write_new(directory / "root" / "ca.pem", root.public_bytes(pem))
    write_new(directory / "root" / "ca.key", private_pem(root_key, passphrase), 0o600)
    write_new(directory / "issuing" / "ca.pem", issuing.public_bytes(pem))
    write_new(directory / "issuing" / "ca.key", private_pem(issuing_key, passphrase), 0o600)
    write_new(directory / "chain.pem", issuing.public_bytes(pem) + root.public_bytes(pem))
    keys: dict[str, PrivateKey] = {
        "signing/catalog": ed25519.Ed25519PrivateKey.generate(),
        "signing/command": ed25519.Ed25519PrivateKey.generate(),
        "central/uplink": x25519.X25519PrivateKey.generate(), "central/ack": ed25519.Ed25519PrivateKey.generate(),
    }
    for name, key in keys.items():
        write_new(directory / f"{name}.key", private_pem(key, passphrase), 0o600)
        write_new(directory / f"{name}.pub", public_pem(key))
    issuer = Issuer(directory, issuing, issuing_key)
    for service, names in (("broker", broker_names), *((s, ()) for s in SERVICES)):
        service_key = ec.generate_private_key(ec.SECP256R1())
        cert = issuer.issue(service, service_key.public_key(), SERVICE_DAYS, server_names=names)
        write_new(directory / "services" / f"{service}.pem", cert.public_bytes(pem))
        write_new(directory / "services" / f"{service}.key", private_pem(service_key, None), 0o600)
    issue_claim_medium(issuer, directory / "claim")
    issuer.write_crl()
    return issuer


def issue_claim_medium(issuer: Issuer, out: Path) -> str:
    """Write a new claim medium (ca.pem, claim.pem, claim.key) into the empty folder ``out``; return its CN.

    Each technician's medium has its own certificate, CN ``claim-<8 hex>``: the broker makes the
    CN its client id, so two media never take each other's session, and one is revoked by its CN.
    """
    if out.exists() and any(out.iterdir()):
        raise PkiError(f"{out} is not empty: a claim medium is written into an empty folder")
    cn = f"claim-{secrets.token_hex(4)}"
    key = ec.generate_private_key(ec.SECP256R1())
    cert = issuer.issue(cn, key.public_key(), SERVICE_DAYS)
    write_new(out / "claim.pem", cert.public_bytes(serialization.Encoding.PEM), 0o600)
    write_new(out / "claim.key", private_pem(key, None), 0o600)
    write_new(out / "ca.pem", (issuer.directory / "chain.pem").read_bytes())
    return cn


def fingerprints(directory: Path) -> dict[str, str]:
    """Return the SHA-256 fingerprints of the CA certificates and the public keys (for `ca show`)."""
    result = {}
    for name in ("root/ca.pem", "issuing/ca.pem"):
        cert = x509.load_pem_x509_certificate((directory / name).read_bytes())
        result[name] = cert.fingerprint(hashes.SHA256()).hex(":")
    for name in ("signing/catalog.pub", "signing/command.pub", "central/uplink.pub", "central/ack.pub"):
        digest = hashes.Hash(hashes.SHA256())
        digest.update((directory / name).read_bytes())
        result[name] = digest.finalize().hex(":")
    return result
