"""Uplink protocol v2: binary envelopes whose bundle carries one signature over their hashes."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519

from protocol import envelope, uplink_v2
from protocol.envelope import EnvelopeError, Header

CENTRAL = x25519.X25519PrivateKey.generate()
SIGNER = ec.generate_private_key(ec.SECP256R1())
OTHER = ec.generate_private_key(ec.SECP256R1())
IDS = ["01a201dc-1a8f-77b4-99a0-eceedf0f26%02d" % n for n in range(60)]  # noqa: UP031


def sealed(n: int, body: bytes = b'{"values": {"applicant.name": "\\u6b27\\u9633"}}') -> bytes:
    """Seal envelope ``n`` of terminal LC0001 in protocol v2."""
    header = Header("LC0001", n, IDS[n], "application", "2026-12-03T09:00:00+00:00", "boot-1", v=2)
    return uplink_v2.seal(header, body, CENTRAL.public_key())


def test_a_bundle_round_trips_with_one_signature_and_each_envelope_opens() -> None:
    envelopes = [sealed(n) for n in range(3)]
    received = uplink_v2.unpack(uplink_v2.pack(envelopes, SIGNER))
    assert received.envelopes == envelopes
    uplink_v2.verify(received, (SIGNER.public_key(),))
    for n, item in enumerate(received.envelopes):
        header, head = uplink_v2.read_header(item)
        assert (header.seq, header.id, header.v) == (n, IDS[n], 2)
        assert json.loads(head) == header.as_dict()
        assert json.loads(uplink_v2.open_body(item, head, CENTRAL))["values"]["applicant.name"] == "欧阳"


def test_each_stored_envelope_is_verifiable_on_its_own_with_its_proof() -> None:
    envelopes = [sealed(n) for n in range(3)]
    proof = uplink_v2.unpack(uplink_v2.pack(envelopes, SIGNER)).proof()
    for item in envelopes:
        uplink_v2.verify_stored(item, proof, (SIGNER.public_key(),))
    with pytest.raises(EnvelopeError, match="bad_proof"):
        uplink_v2.verify_stored(sealed(7), proof, (SIGNER.public_key(),))  # not in this bundle
    with pytest.raises(EnvelopeError, match="bad_signature"):
        uplink_v2.verify_stored(envelopes[0], proof, (OTHER.public_key(),))
    with pytest.raises(EnvelopeError, match="bad_proof"):
        uplink_v2.verify_stored(envelopes[0], proof[:-1], (SIGNER.public_key(),))


def test_a_rotated_key_still_verifies_a_bundle_sealed_before_the_rotation() -> None:
    received = uplink_v2.unpack(uplink_v2.pack([sealed(1)], SIGNER))
    uplink_v2.verify(received, (OTHER.public_key(), SIGNER.public_key()))
    with pytest.raises(EnvelopeError, match="bad_signature"):
        uplink_v2.verify(received, (OTHER.public_key(),))


def test_one_changed_byte_anywhere_in_an_envelope_breaks_the_bundle_signature() -> None:
    envelopes = [sealed(0), sealed(1)]
    packed = bytearray(uplink_v2.pack(envelopes, SIGNER))
    for offset in (len(uplink_v2.BUNDLE_MAGIC) + 1 + 4 + 10, len(uplink_v2.BUNDLE_MAGIC) + 1 + 4 + len(envelopes[0]) - 1):
        damaged = bytearray(packed)
        damaged[offset] ^= 0x01
        with pytest.raises(EnvelopeError, match="bad_signature"):
            uplink_v2.verify(uplink_v2.unpack(bytes(damaged)), (SIGNER.public_key(),))


def test_envelopes_moved_between_bundles_or_reordered_fail() -> None:
    first, second = [sealed(0), sealed(1)], [sealed(2)]
    signature = uplink_v2.unpack(uplink_v2.pack(first, SIGNER)).signature
    forged = uplink_v2.Bundle(second, [uplink_v2.unpack(uplink_v2.pack(second, OTHER)).hashes[0]], signature)
    with pytest.raises(EnvelopeError, match="bad_signature"):
        uplink_v2.verify(forged, (SIGNER.public_key(),))
    swapped = uplink_v2.unpack(uplink_v2.pack(first, SIGNER))
    reordered = uplink_v2.Bundle(swapped.envelopes[::-1], swapped.hashes[::-1], swapped.signature)
    with pytest.raises(EnvelopeError, match="bad_signature"):
        uplink_v2.verify(reordered, (SIGNER.public_key(),))


@pytest.mark.parametrize("data", [
    b"", b"YCB2", b"YCB2\x00", b"YCB2\x33", b"YCB1\x01", b"YCB2\x01\x00\x00\x00\x05abc",
    b"YCB2\x01\x00\x00\x00\x01x", b"YCB2\x01\x00\x00\x00\x01x\x00\x00", b"YCB2\x01\x00\x00\x00\x01x\x00\x01sX",
    b"YCB2\x01\xff\xff\xff\xffx",
])
def test_bad_framing_is_a_bad_bundle(data: bytes) -> None:
    with pytest.raises(EnvelopeError, match="bad_bundle"):
        uplink_v2.unpack(data)


def test_an_envelope_with_a_v1_header_or_no_json_header_is_refused() -> None:
    head = envelope.canonical(Header("LC0001", 1, IDS[1], "application", "t", "b").as_dict())
    v1_inside = uplink_v2.ENVELOPE_MAGIC + len(head).to_bytes(2, "big") + head + bytes(60)
    with pytest.raises(EnvelopeError, match="bad_schema_version"):
        uplink_v2.read_header(v1_inside)
    with pytest.raises(EnvelopeError, match="bad_encoding"):
        uplink_v2.read_header(uplink_v2.ENVELOPE_MAGIC + b"\x00\x04\xff\xfe{}" + bytes(60))
    with pytest.raises(EnvelopeError, match="bad_encoding"):
        uplink_v2.read_header(uplink_v2.ENVELOPE_MAGIC + b"\x00\x40{}")


def test_a_damaged_ciphertext_is_bad_ciphertext_and_groups_respect_both_limits() -> None:
    item = bytearray(sealed(3))
    item[-1] ^= 0x01
    _, head = uplink_v2.read_header(bytes(item))
    with pytest.raises(EnvelopeError, match="bad_ciphertext"):
        uplink_v2.open_body(bytes(item), head, CENTRAL)
    groups = uplink_v2.group([sealed(n % 60) for n in range(120)])
    assert [len(g) for g in groups] == [50, 50, 20]
    big = [sealed(n, b"x" * 200_000) for n in range(12)]
    assert all(len(uplink_v2.pack(g, SIGNER)) <= uplink_v2.MAX_BUNDLE_BYTES for g in uplink_v2.group(big))
