"""The enrollment service's /metrics, scraped over HTTP: answers by outcome, dropped requests, and the CA's expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from sqlalchemy import Engine

from central.platform.database import make_engine
from central.platform.metrics import Expiry
from provisioning import pki
from provisioning.service import Enroller
from provisioning.tokens import HallProfile, create_tokens
from tests.provisioning.test_enroller import csr
from tests.scrape import listener, scrape

PASSPHRASE = b"correct horse battery"
DAY = 86400


@pytest.fixture
def issuer(tmp_path: Path) -> pki.Issuer:
    return pki.init_ca(tmp_path / "ca", PASSPHRASE, ("localhost",))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path}/central.db")


def test_answers_are_counted_by_outcome(issuer: pki.Issuer, engine: Engine) -> None:
    enroller = Enroller(engine, issuer)
    token, = create_tokens(engine, HallProfile("lc-center", "hall", "LC", ""), timedelta(hours=1))
    for payload in ({"token": token, "csr": csr()}, {"token": token, "csr": csr()}, {"token": "NOPE", "csr": csr()}):
        enroller.answer(json.dumps(payload).encode())
    enroller.answer(b"not json")
    with listener(enroller.metrics.collectors()) as url:
        families = scrape(url)
    assert families["yichuang_enrollments_total"] == {
        (("outcome", "ok"),): 1, (("outcome", "token_used"),): 1, (("outcome", "token_unknown"),): 1,
        (("outcome", "bad_request"),): 1}
    assert families["yichuang_enrollment_requests_dropped_total"] == {(): 0}


def test_the_crl_and_every_service_certificate_report_the_seconds_they_have_left(issuer: pki.Issuer) -> None:
    ca = issuer.directory
    with listener([Expiry.of_ca(ca)]) as url:
        families = scrape(url)
    crl_left = (pki.crl_next_update(ca) - datetime.now(UTC)).total_seconds()
    assert 0 <= families["yichuang_crl_next_update_seconds"][(("crl", "ca"),)] - crl_left < 60
    certs = families["yichuang_certificate_expiry_seconds"]
    assert sorted(dict(labels)["certificate"] for labels in certs) == ["broker", "central", "fleet", "issuing_ca"]
    for labels, seconds in certs.items():
        name = dict(labels)["certificate"]
        path = ca / ("issuing/ca.pem" if name == "issuing_ca" else f"services/{name}.pem")
        left = (x509.load_pem_x509_certificate(path.read_bytes()).not_valid_after_utc - datetime.now(UTC))
        assert 0 <= seconds - left.total_seconds() < 60, name
    assert set(families["yichuang_expiry_file_ok"].values()) == {1}


def test_a_missing_or_garbage_file_says_so_instead_of_looking_healthy(issuer: pki.Issuer) -> None:
    ca = issuer.directory
    (ca / "services" / "fleet.pem").unlink()
    (ca / "issuing" / "crl.pem").write_bytes(b"-----BEGIN X509 CRL-----\ngarbage\n-----END X509 CRL-----\n")
    with listener([Expiry.of_ca(ca)]) as url:
        families = scrape(url)
    assert families["yichuang_expiry_file_ok"][(("file", "fleet"),)] == 0
    assert families["yichuang_expiry_file_ok"][(("file", "crl_ca"),)] == 0
    assert families["yichuang_expiry_file_ok"][(("file", "central"),)] == 1
    assert (("certificate", "fleet"),) not in families["yichuang_certificate_expiry_seconds"]
    assert "yichuang_crl_next_update_seconds" not in families  # no sample: the file_ok gauge says why


def test_a_lapsed_crl_reads_negative(issuer: pki.Issuer) -> None:
    later = datetime.now(UTC) + timedelta(days=pki.CRL_DAYS + 1)
    families = {m.name: m for m in Expiry.of_ca(issuer.directory, clock=lambda: later).collect()}
    assert -2 * DAY < families["yichuang_crl_next_update_seconds"].samples[0].value < 0


def test_the_broker_copy_of_the_crl_is_watched_beside_the_cas(issuer: pki.Issuer, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    stale = (x509.CertificateRevocationListBuilder().issuer_name(issuer.cert.subject).last_update(now - timedelta(
        days=27)).next_update(now + timedelta(days=3)).sign(issuer.key, hashes.SHA256()))  # a refresh never copied
    (tmp_path / "broker").mkdir()
    (tmp_path / "broker" / "crl.pem").write_bytes(stale.public_bytes(serialization.Encoding.PEM))
    with listener([Expiry.of_ca(issuer.directory, tmp_path / "broker")]) as url:
        crls = scrape(url)["yichuang_crl_next_update_seconds"]
    assert 2 * DAY < crls[(("crl", "broker"),)] <= 3 * DAY  # the copy the broker loads is what lapses first
    assert crls[(("crl", "ca"),)] > 29 * DAY
