"""The enrollment decision: tokens are one-time, bound to a hall, and a CSR must be signed by its key."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import Engine

from central.platform.database import make_engine
from central.platform.registry import Registry
from provisioning import pki
from provisioning.service import Enroller
from provisioning.tokens import HallProfile, create_tokens, parse_duration

PASSPHRASE = b"correct horse battery"
PROFILE = HallProfile("lc-center", "hall", "LC", "一楼东侧")


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> pki.Issuer:
    return pki.init_ca(tmp_path_factory.mktemp("ca") / "ca", PASSPHRASE, ("localhost",))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path}/central.db")


def csr(key: ec.EllipticCurvePrivateKey | None = None) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "enrollment")])
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return request.public_bytes(serialization.Encoding.PEM).decode()


def ask(enroller: Enroller, token: str, request: str) -> dict[str, object]:
    return enroller.answer(json.dumps({"v": 1, "token": token, "csr": request}).encode())


def test_a_token_enrolls_one_terminal_with_the_next_id_of_its_hall(issuer: pki.Issuer, engine: Engine) -> None:
    enroller = Enroller(engine, issuer)
    first, second = create_tokens(engine, PROFILE, timedelta(hours=1), count=2)
    answers = [ask(enroller, first, csr()), ask(enroller, second, csr())]
    assert [(a["status"], a["terminal"]) for a in answers] == [("ok", "LC0001"), ("ok", "LC0002")]
    cert = x509.load_pem_x509_certificate(str(answers[0]["certificate"]).encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "LC0001"
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 90
    registered = Registry(engine).status("LC0001")
    assert registered is not None
    assert (registered["hall"], registered["site"], registered["location"]) == ("lc-center", "hall", "一楼东侧")
    reused = ask(enroller, f" ycenroll:{first.lower()} ", csr())  # as a scanner types the QR code, or mistyped case
    assert (reused["status"], reused["reason"]) == ("refused", "token_used")
    assert "LC0001" in str(reused["message"])


def test_expired_forged_and_malformed_requests_are_refused_and_leave_the_token_usable(
        issuer: pki.Issuer, engine: Engine) -> None:
    enroller = Enroller(engine, issuer)
    (expired,) = create_tokens(engine, PROFILE, timedelta(seconds=-1))
    (token,) = create_tokens(engine, PROFILE, timedelta(hours=1))
    assert ask(enroller, expired, csr())["reason"] == "token_expired"
    assert ask(enroller, "A" * 32, csr())["reason"] == "token_unknown"
    assert enroller.answer(b"garbage")["reason"] == "bad_request"
    good = csr()
    der = bytearray(x509.load_pem_x509_csr(good.encode()).public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # a bit of the signature flipped: the CSR no longer proves its key
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    assert ask(enroller, token, tampered)["reason"] == "bad_csr"
    rsa_like = csr(ec.generate_private_key(ec.SECP384R1()))
    assert ask(enroller, token, rsa_like)["reason"] == "bad_key"
    assert ask(enroller, token, good)["status"] == "ok"  # none of the refusals used it up
    assert Registry(engine).status("LC0001") is not None


@pytest.mark.parametrize(("text", "expected"), [("30m", timedelta(minutes=30)), ("24h", timedelta(hours=24)),
                                                ("7d", timedelta(days=7))])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0h", "24", "1w", "-1h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_tokens_are_stored_only_hashed(issuer: pki.Issuer, engine: Engine, tmp_path: Path) -> None:
    tokens = create_tokens(engine, PROFILE, timedelta(hours=1), count=3)
    stored = (tmp_path / "central.db").read_bytes() + (tmp_path / "central.db-wal").read_bytes()
    assert not any(t.encode() in stored for t in tokens)
