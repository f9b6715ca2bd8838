"""Ingest's prepared checks on v2 bundles: form checks per catalog version (bounded), hostile envelopes refused."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, select

from central.platform import catalogs
from central.platform.catalogs import CatalogArchive
from central.platform.schema import rejected
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from protocol import topics, uplink_v2
from protocol.acks import Ack
from protocol.envelope import Header
from tests.kiosk.store.helpers import open_test_store, submit
from tests.sync.stack import Central

TOPIC = topics.bundle("LC0001")
CREATED = "2026-11-22T07:00:00+00:00"


def older_catalog(tmp_path: Path) -> Path:
    """Copy the sample catalog as version 2026.10.3, whose card banks did not include 中国建设银行 yet."""
    folder = tmp_path / "older-catalog"
    shutil.copytree(SAMPLE_CATALOG, folder)
    meta = folder / "catalog.toml"
    meta.write_text(re.sub(r'^version = ".*"$', 'version = "2026.10.3"', meta.read_text(), count=1, flags=re.M))
    fields = folder / "fields.toml"
    text, removed = re.subn(r'^  \{ value = "ccb",.*\n', "", fields.read_text(), flags=re.M)
    assert removed == 1
    fields.write_text(text)
    return folder


@pytest.fixture
def central(tmp_path: Path, sqlite_db: Engine) -> Central:
    return Central(tmp_path, sqlite_db, CatalogArchive.load(None, SAMPLE_CATALOG, older_catalog(tmp_path)))


def bundle(central: Central, signer: ec.EllipticCurvePrivateKey, parts: list[tuple[Header, bytes]]) -> bytes:
    """Seal each (header, body) as a v2 envelope and sign them as one bundle."""
    key = central.keys.uplink.public_key()
    return uplink_v2.pack([uplink_v2.seal(header, body, key) for header, body in parts], signer)


def header(seq: int, message_id: str, kind: str = "application") -> Header:
    """Return a v2 header of LC0001."""
    return Header("LC0001", seq, message_id, kind, CREATED, "boot", v=uplink_v2.VERSION)


def applications(tmp_path: Path, count: int) -> list[dict[str, Any]]:
    """Return the content of ``count`` applications submitted at a terminal under the newest catalog."""
    store = open_test_store(tmp_path / "terminal")
    contents = [store.application_content(str(submit(store, n).id)) for n in range(count)]
    store.close()
    return contents


def verdicts(acks: list[Ack | None]) -> list[tuple[str, str] | None]:
    return [None if a is None else (a.status, a.reason) for a in acks]


def test_each_catalog_version_gets_its_own_prepared_form_check(
        tmp_path: Path, central: Central, signer: ec.EllipticCurvePrivateKey) -> None:
    older = load_catalog(tmp_path / "older-catalog")
    contents = applications(tmp_path, 3)
    for content in contents:
        content["values"]["insurance.card_bank"] = "ccb"  # offered by the newest catalog only
    for content in contents[1:]:
        content.update(catalog_version=older.version, catalog_hash=older.content_hash)
    contents[2]["values"]["insurance.card_bank"] = "icbc"  # offered by both
    parts = [(header(n + 1, c["id"]), json.dumps(c).encode()) for n, c in enumerate(contents)]
    acks = central.ingest.handle_batch([(TOPIC, bundle(central, signer, parts))])
    assert verdicts(acks) == [("stored", ""), ("rejected", "invalid_content"), ("stored", "")]
    assert central.ingest.archive.cached_form_checks() == 2  # SB-001 under each version, prepared once


def test_the_prepared_form_checks_stay_bounded_and_give_the_same_verdicts(
        tmp_path: Path, sqlite_db: Engine, signer: ec.EllipticCurvePrivateKey, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogs, "FORM_CHECKS", 1)
    bounded = Central(tmp_path / "bounded", sqlite_db,
                      CatalogArchive.load(None, SAMPLE_CATALOG, tmp_path / "older-catalog"))
    bounded.ingest.registry.add("LC0001", (tmp_path / "pki" / "LC0001.pem").read_bytes())
    older = load_catalog(tmp_path / "older-catalog")
    contents = applications(tmp_path, 4)
    for n, content in enumerate(contents):
        content["values"]["insurance.card_bank"] = "ccb"
        if n % 2:
            content.update(catalog_version=older.version, catalog_hash=older.content_hash)
    parts = [(header(n + 1, c["id"]), json.dumps(c).encode()) for n, c in enumerate(contents)]
    acks = bounded.ingest.handle_batch([(TOPIC, bundle(bounded, signer, parts))])
    assert verdicts(acks) == [("stored", ""), ("rejected", "invalid_content")] * 2
    assert bounded.ingest.archive.cached_form_checks() == 1


def test_hostile_envelopes_of_a_signed_bundle_are_refused_alone_with_a_clear_reason(
        tmp_path: Path, central: Central, sqlite_db: Engine, signer: ec.EllipticCurvePrivateKey) -> None:
    good = applications(tmp_path, 1)[0]
    unknown_question = {**good, "id": str(uuid.uuid4()), "values": {**good["values"], "admin.override": "yes"}}
    ids = [str(uuid.uuid4()) for _ in range(6)]
    parts = [
        (header(1, ids[0].upper()), b"{}"),  # a message id not in the canonical UUID form
        (replace(header(2, ids[1]), seq=True), b"{}"),  # a boolean where the sequence number goes
        (header(3, ids[2], "rating"), b"\xff{}"),  # not UTF-8
        (header(4, ids[3], "rating"), b"[" * 100_000 + b"]" * 100_000),  # a nesting bomb
        (header(5, ids[4], "rating"), f'{{"id": "{ids[4]}", "level": NaN}}'.encode()),  # not JSON
        (header(6, unknown_question["id"]), json.dumps(unknown_question).encode()),
        (header(7, good["id"]), json.dumps(good).encode()),
    ]
    acks = central.ingest.handle_batch([(TOPIC, bundle(central, signer, parts))])
    assert verdicts(acks) == [None, None, ("rejected", "bad_content"), ("rejected", "bad_content"),
                              ("rejected", "bad_content"), ("rejected", "invalid_content"), ("stored", "")]
    with sqlite_db.connect() as conn:
        reasons = [(r.seq, r.reason) for r in conn.execute(select(rejected.c.seq, rejected.c.reason)
                                                            .order_by(rejected.c.n))]
    assert reasons == [(None, "bad_schema"), (None, "bad_schema"), (3, "bad_content"), (4, "bad_content"),
                       (5, "bad_content"), (6, "invalid_content")]
    assert central.stored() == [good["id"]]
