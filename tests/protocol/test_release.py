"""Signed catalog releases: what a terminal accepts and what it refuses before reading a field."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from protocol.release import (
    CHUNK_BYTES,
    MAX_MANIFEST_BYTES,
    ReleaseError,
    assemble,
    canonical,
    chunk_file,
    file_contents,
    open_manifest,
    sign,
)
from tests.protocol.release_kit import Publisher


def _resign(body: dict[str, object], key: ed25519.Ed25519PrivateKey) -> bytes:
    """Sign an arbitrary manifest body with the real key: what a compromised build step could produce."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    from protocol.release import CONTEXT

    return json.dumps({"v": 1, "manifest": text, "sig": base64.b64encode(key.sign(CONTEXT + text.encode())).decode()
                       }).encode()


def test_a_release_round_trips_and_rebuilds_the_catalog_byte_for_byte() -> None:
    publisher = Publisher()
    payload, manifest, chunks = publisher.release(halls=("hall-a",))
    opened = open_manifest(payload, publisher.key.public_key())
    assert opened == manifest
    files = assemble(opened, chunks)
    assert files == file_contents(SAMPLE_CATALOG)
    assert opened.content_hash == load_catalog(SAMPLE_CATALOG).content_hash
    assert opened.halls == ("hall-a",)


def test_a_large_file_is_split_into_chunks_that_name_their_content() -> None:
    data = bytes(range(256)) * (CHUNK_BYTES // 256 * 2 + 3)
    parts = chunk_file(data)
    assert [len(p) for p in parts] == [CHUNK_BYTES, CHUNK_BYTES, 768]
    assert b"".join(parts) == data
    assert chunk_file(b"") == [b""]


@pytest.mark.parametrize("damage", ["other_key", "flipped_body", "no_sig", "bad_base64", "not_json", "array"])
def test_a_manifest_not_signed_by_the_fleets_catalog_key_is_refused(damage: str) -> None:
    publisher = Publisher()
    payload, _, _ = publisher.release()
    envelope = json.loads(payload)
    if damage == "other_key":
        payload = sign(open_manifest(payload, publisher.key.public_key()), ed25519.Ed25519PrivateKey.generate())
    elif damage == "flipped_body":
        payload = json.dumps({**envelope, "manifest": envelope["manifest"].replace('"serial":1', '"serial":9')}
                             ).encode()
    elif damage == "no_sig":
        payload = json.dumps({"v": 1, "manifest": envelope["manifest"]}).encode()
    elif damage == "bad_base64":
        payload = json.dumps({**envelope, "sig": "***"}).encode()
    elif damage == "not_json":
        payload = b"\xff\xfe garbage"
    else:
        payload = b"[1, 2]"
    with pytest.raises(ReleaseError) as caught:
        open_manifest(payload, publisher.key.public_key())
    assert caught.value.reason in {"bad_signature", "malformed"}


@pytest.mark.parametrize("change", [
    {"files": [{"path": "../../etc/passwd.toml", "size": 1, "chunks": ["0" * 64]}]},
    {"files": [{"path": "/etc/shadow.toml", "size": 1, "chunks": ["0" * 64]}]},
    {"files": [{"path": "items/x.py", "size": 1, "chunks": ["0" * 64]}]},
    {"serial": 0}, {"serial": True}, {"serial": "7"}, {"catalog": "a b"}, {"halls": ["x\n"]}, {"extra": 1},
    {"files": [{"path": "a.toml", "size": 10**9, "chunks": ["0" * 64]}]},
    {"files": [{"path": "a.toml", "size": 1, "chunks": ["0" * 64]}] * 2},
])
def test_a_signed_manifest_with_a_field_out_of_bounds_is_refused_by_name(change: dict[str, object]) -> None:
    publisher = Publisher()
    _, manifest, _ = publisher.release()
    body = {**json.loads(canonical(manifest)), **change}
    with pytest.raises(ReleaseError) as caught:
        open_manifest(_resign(body, publisher.key), publisher.key.public_key())
    assert caught.value.reason == "malformed"


def test_an_oversized_or_key_repeating_manifest_is_refused_before_parsing_further() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(ReleaseError, match="too large"):
        open_manifest(b" " * (MAX_MANIFEST_BYTES + 1), key.public_key())
    with pytest.raises(ReleaseError, match="repeats"):
        open_manifest(b'{"v": 1, "v": 1}', key.public_key())


def test_a_chunk_that_does_not_match_its_name_or_is_missing_stops_the_assembly() -> None:
    publisher = Publisher()
    _, manifest, chunks = publisher.release()
    victim = manifest.files[0].chunks[0]
    with pytest.raises(ReleaseError, match="does not match its hash") as caught:
        assemble(manifest, {**chunks, victim: chunks[victim] + b"x"})
    assert caught.value.reason == "chunk"
    with pytest.raises(ReleaseError, match="missing"):
        assemble(manifest, {k: v for k, v in chunks.items() if k != victim})
