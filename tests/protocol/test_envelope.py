"""The envelope: encrypted to central, signed by the terminal, and refused whenever anything is off."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519
from hypothesis import given
from hypothesis import strategies as st

from protocol import topics
from protocol.envelope import (
    MAX_ENVELOPE_BYTES,
    EnvelopeError,
    Header,
    canonical,
    is_message_id,
    open_envelope,
    read_header,
    seal,
)

CENTRAL = x25519.X25519PrivateKey.generate()
TERMINAL = ec.generate_private_key(ec.SECP256R1())
HEADER = Header("LC0001", 42, "01a201dc-1a8f-77b4-99a0-eceedf0f2656", "application", "2026-11-22T07:00:00+00:00",
                "boot-1")
BODY = json.dumps({"values": {"applicant.name": "欧阳锦绣", "applicant.id_number": "370303198505120012"}},
                  ensure_ascii=False).encode()


def sealed() -> bytes:
    return seal(HEADER, BODY, CENTRAL.public_key(), TERMINAL)


def test_round_trip() -> None:
    header, body = open_envelope(sealed(), TERMINAL.public_key(), CENTRAL)
    assert header == HEADER
    assert body == BODY


def test_the_broker_sees_no_personal_data() -> None:
    wire = sealed()
    for secret in ("欧阳锦绣", "370303198505120012"):
        for encoding in ("utf-8", "utf-16-le", "gb18030"):
            assert secret.encode(encoding) not in wire
    assert b"\\u6b27" not in wire  # nor as a JSON escape


def test_another_terminals_key_does_not_verify() -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(EnvelopeError) as raised:
        open_envelope(sealed(), other.public_key(), CENTRAL)
    assert raised.value.code == "bad_signature"


def test_a_changed_header_breaks_the_signature() -> None:
    envelope = json.loads(sealed())
    envelope["h"]["seq"] = 43
    with pytest.raises(EnvelopeError) as raised:
        open_envelope(canonical(envelope), TERMINAL.public_key(), CENTRAL)
    assert raised.value.code == "bad_signature"


def test_another_centrals_key_cannot_decrypt() -> None:
    with pytest.raises(EnvelopeError) as raised:
        open_envelope(sealed(), TERMINAL.public_key(), x25519.X25519PrivateKey.generate())
    assert raised.value.code == "bad_ciphertext"


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda e: {**e, "h": {**e["h"], "v": 2}}, "bad_schema_version"),
        (lambda e: {**e, "h": {**e["h"], "kind": "virus"}}, "bad_kind"),
        (lambda e: {**e, "h": {**e["h"], "seq": "42"}}, "bad_schema"),
        (lambda e: {**e, "sig": "***"}, "bad_encoding"),
        (lambda e: {k: v for k, v in e.items() if k != "h"}, "bad_schema"),
        (lambda e: {**e, "h": {**e["h"], "seq": 2**31}}, "bad_schema"),  # the column is 32-bit
        (lambda e: {**e, "h": {**e["h"], "seq": -1}}, "bad_schema"),
        (lambda e: {**e, "h": {**e["h"], "seq": True}}, "bad_schema"),
        (lambda e: {**e, "h": {**e["h"], "id": "a" * 65}}, "bad_schema"),
        (lambda e: {**e, "h": {**e["h"], "id": HEADER.id.upper()}}, "bad_schema"),  # one text form per id
        (lambda e: {**e, "h": {**e["h"], "boot": "b" * 65}}, "bad_schema"),
        (lambda e: {**e, "note": "unsigned"}, "bad_schema"),
        (lambda e: {**e, "enc": {**e["enc"], "note": "unsigned"}}, "bad_schema"),
    ],
)
def test_malformed_envelopes_get_reason_codes(mutate: object, code: str) -> None:
    envelope = mutate(json.loads(sealed()))  # type: ignore[operator]
    with pytest.raises(EnvelopeError) as raised:
        open_envelope(canonical(envelope), TERMINAL.public_key(), CENTRAL)
    assert raised.value.code == code


def test_only_the_exact_signed_bytes_are_accepted() -> None:
    wire = sealed()
    duplicate = b'{"h":{"v":1},' + wire[1:]  # a lenient parser keeps the last "h"
    spaced = json.dumps(json.loads(wire), sort_keys=True).encode()
    for payload, code in ((duplicate, "bad_schema"), (spaced, "bad_encoding"), (b"[" * 200_000, "bad_encoding")):
        with pytest.raises(EnvelopeError) as raised:
            read_header(payload)
        assert raised.value.code == code


def test_oversized_and_non_json_input() -> None:
    with pytest.raises(EnvelopeError, match="oversized"):
        read_header(b" " * (MAX_ENVELOPE_BYTES + 1))
    with pytest.raises(EnvelopeError, match="bad_encoding"):
        read_header(b"\xff\xfe garbage")


@given(st.binary(max_size=2000))
def test_garbage_never_escapes_as_another_exception(data: bytes) -> None:
    try:
        open_envelope(data, TERMINAL.public_key(), CENTRAL)
    except EnvelopeError:
        return
    raise AssertionError("garbage was accepted")


@given(st.dictionaries(st.sampled_from(["h", "enc", "body", "sig", "x"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=20),
                                 st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4))))
def test_json_of_any_shape_is_refused_cleanly(envelope: dict[str, object]) -> None:
    try:
        open_envelope(json.dumps(envelope).encode(), TERMINAL.public_key(), CENTRAL)
    except EnvelopeError:
        return
    raise AssertionError("accepted")


def test_topics_and_acl() -> None:
    assert topics.up("LC0001", "application") == "yc/v1/t/LC0001/up/app"
    assert topics.ack("LC0001") == "yc/v1/t/LC0001/down/ack"
    assert topics.terminal_of("yc/v1/t/LC0001/up/app") == "LC0001"
    assert topics.terminal_of("yc/v1/t/+/up/app") is None
    assert topics.terminal_of("other/LC0001") is None
    assert "pattern write yc/v1/t/%u/up/app" in topics.acl_lines("central")
    assert "up/#" not in topics.acl_lines("central")  # only the protocol's uplink subtopics
    assert base64.b64decode(json.loads(sealed())["enc"]["epk"])  # the ephemeral key travels in clear


UUID_LIKE = st.text(alphabet="0123456789abcdefABCDEF-{}:urn\n ٣", min_size=30, max_size=46)


@given(st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.uuids().map(lambda u: u.hex),
                 st.uuids().map(lambda u: f"{{{u}}}"), UUID_LIKE))
def test_a_message_id_is_exactly_what_a_uuid_round_trip_gives_back(text: str) -> None:
    try:
        canonical_text = str(uuid.UUID(text)) == text
    except ValueError:
        canonical_text = False
    assert is_message_id(text) == canonical_text
