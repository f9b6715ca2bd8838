"""Bundles: several envelopes per MQTT message, each stored and acknowledged on its own."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from central.platform import queries
from demo.devstack import ScratchPki
from protocol import bundle
from protocol.envelope import MAX_ENVELOPE_BYTES, EnvelopeError, Header, new_content_key, seal
from tests.sync.stack import Central


def test_pack_and_unpack_keep_every_envelope_byte_for_byte() -> None:
    envelopes = [b"{}", b"x" * 1000, bytes(range(256))]
    assert bundle.unpack(bundle.pack(envelopes)) == envelopes


def test_group_respects_the_count_and_size_limits() -> None:
    small = [b"e" * 100] * 120
    assert [len(g) for g in bundle.group(small)] == [50, 50, 20]
    big = [b"b" * (MAX_ENVELOPE_BYTES - 10)] * 9
    groups = bundle.group(big)
    assert all(len(bundle.pack(g)) <= bundle.MAX_BUNDLE_BYTES for g in groups)
    assert sum(len(g) for g in groups) == 9
    assert bundle.group([]) == []


@pytest.mark.parametrize("data", [
    b"", b"YCB1", b"NOPE" + b"\x00\x00\x00\x01x", b"YCB1\x00\x00\x00\x05abc", b"YCB1\x00\x00\x00\x00",
    b"YCB1\xff\xff\xff\xff" + b"x" * 10, b"YCB1" + b"\x00\x00\x00\x01x" * 51, b"YCB1" + b"x" * (1024 * 1024),
])
def test_malformed_bundles_are_refused(data: bytes) -> None:
    with pytest.raises(EnvelopeError, match="bad_bundle"):
        bundle.unpack(data)


@given(st.binary(max_size=600))
def test_garbage_after_the_magic_never_escapes_as_another_exception(data: bytes) -> None:
    try:
        envelopes = bundle.unpack(bundle.MAGIC + data)
    except EnvelopeError:
        return
    assert bundle.pack(envelopes) == bundle.MAGIC + data  # what parses is exactly a valid framing


def test_a_bundle_is_stored_per_envelope_and_a_bad_one_inside_is_refused_alone(
        tmp_path: Path, sqlite_db: Engine) -> None:
    central = Central(tmp_path, sqlite_db)
    cert, _, key = ScratchPki(tmp_path / "pki").issue("LC0001")
    central.ingest.registry.add("LC0001", cert.read_bytes())
    shared = new_content_key(central.keys.uplink.public_key())  # one ephemeral key for the batch
    envelopes = [
        seal(Header("LC0001", seq, str(uuid.uuid4()), "rating", "2026-11-22T07:00:00+00:00", "boot"),
             json.dumps({"level": level}).encode(), central.keys.uplink.public_key(), key, shared)
        for seq, level in ((1, 5), (2, 7), (3, 1))
    ]
    acks = central.ingest.handle_batch([("yc/v1/t/LC0001/up/bundle", bundle.pack(envelopes))])
    assert [(a.status, a.reason) for a in acks if a] == [("stored", ""), ("rejected", "bad_content"), ("stored", "")]
    assert sorted(r["level"] for r in queries.ratings(sqlite_db)) == [1, 5]
    assert central.ingest.handle_batch([("yc/v1/t/LC0001/up/bundle", b"YCB1junk")]) == [None]
    assert {r["reason"] for r in queries.refusals(sqlite_db)} == {"bad_content", "bad_bundle"}
