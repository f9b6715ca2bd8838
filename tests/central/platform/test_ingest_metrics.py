"""Central ingest's /metrics, scraped over HTTP: messages stored by kind, refused by reason, copies, batch latency."""

from __future__ import annotations

import json
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine

from central.platform.metrics import Expiry, MetricsAddressError, parse_address, serve
from demo.devstack import ScratchPki
from protocol.envelope import Header, seal
from tests.scrape import listener, scrape
from tests.sync.stack import Central

TOPIC = "yc/v1/t/LC0001/up/"


@pytest.fixture
def central(tmp_path: Path, sqlite_db: Engine) -> Central:
    return Central(tmp_path, sqlite_db)


def rating(central: Central, signer: ec.EllipticCurvePrivateKey, seq: int, level: int = 4) -> bytes:
    header = Header("LC0001", seq, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot")
    body = json.dumps({"level": level, "application_id": None}).encode()
    return seal(header, body, central.keys.uplink.public_key(), signer)


def test_ingest_counts_what_it_stored_refused_and_acknowledged_again(tmp_path: Path, central: Central) -> None:
    cert, _, key = ScratchPki(tmp_path / "pki").issue("LC0001")
    central.ingest.registry.add("LC0001", cert.read_bytes())
    one = rating(central, key, 1)
    central.ingest.handle_batch([(TOPIC + "rating", one), (TOPIC + "rating", one), (TOPIC + "rating", rating(
        central, key, 2)), (TOPIC + "rating", rating(central, key, 3, level=9)), ("yc/v1/garbage", b"{}")])
    with listener([*central.ingest.metrics.collectors(), Expiry({"central": cert})]) as url:
        families = scrape(url)
    assert families["yichuang_ingest_stored_total"] == {(("kind", "rating"),): 2}
    assert families["yichuang_ingest_refused_total"] == {(("reason", "bad_content"),): 1, (("reason", "bad_topic"),): 1}
    assert families["yichuang_ingest_duplicates_total"] == {(): 1}
    assert families["yichuang_ingest_batch_seconds_count"] == {(): 1}
    assert families["yichuang_ingest_batch_failures_total"] == {(): 0}
    left = x509.load_pem_x509_certificate(cert.read_bytes()).not_valid_after_utc - datetime.now(UTC)
    assert 0 <= families["yichuang_certificate_expiry_seconds"][(("certificate", "central"),)] - left.total_seconds() < 60
    assert all(name not in str(labels) for name in ("LC0001", "terminal") for f in families.values() for labels in f)


def test_a_database_down_batch_is_counted_as_a_failure(tmp_path: Path, central: Central) -> None:
    cert, _, key = ScratchPki(tmp_path / "pki").issue("LC0001")
    central.ingest.registry.add("LC0001", cert.read_bytes())
    (tmp_path / "central.db").unlink()
    (tmp_path / "central.db").mkdir()  # the file is gone and nothing can create it: SQLite cannot open
    central.ingest.engine.dispose()
    with pytest.raises(Exception, match="unable to open"):
        central.ingest.handle_batch([(TOPIC + "rating", rating(central, key, 1))])
    with listener(central.ingest.metrics.collectors()) as url:
        families = scrape(url)
    assert families["yichuang_ingest_batch_failures_total"] == {(): 1}
    assert families["yichuang_ingest_batch_seconds_count"] == {(): 1}


@pytest.mark.parametrize("address", ["9109", "localhost:", "host:port", "127.0.0.1:70000", ""])
def test_a_listener_address_that_is_not_host_port_is_an_operator_mistake(address: str) -> None:
    with pytest.raises(MetricsAddressError, match="is not HOST:PORT"):
        parse_address(address)
    assert parse_address(":9109") == ("127.0.0.1", 9109)


def test_a_port_already_in_use_is_refused_rather_than_left_unwatched(central: Central) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(MetricsAddressError, match=f"cannot serve /metrics on {address}: Address already in use"):
            serve(address, central.ingest.metrics.collectors())
