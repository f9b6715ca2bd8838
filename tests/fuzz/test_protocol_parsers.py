"""Fuzzing what arrives through the broker: bundles, envelopes, ack batches, heartbeats, presence, topics.

Each parser returns a typed value or raises only its documented error: ``EnvelopeError``
(bundles, envelopes, acks) or ``Refused`` (heartbeats and presence); a topic is a terminal id
or None. Structure-aware inputs start from genuine messages sealed with real keys; the JSON
edits are signed again with the real key half of the time, so they reach the code behind the
signature (decryption, the ack time, the ack entries).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from hypothesis import example, given
from hypothesis import strategies as st

from protocol import bundle, topics
from protocol.acks import STATUSES, Ack, AckBatch, open_acks, seal_acks
from protocol.envelope import (
    KINDS,
    MAX_FIELD,
    MAX_SEQ,
    EnvelopeError,
    Header,
    b64,
    canonical,
    is_message_id,
    open_envelope,
    seal,
)
from protocol.heartbeat import Heartbeat, Presence, Refused, presence, read_heartbeat, read_presence
from tests.central.monitor.poison import genuine
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import JSON, edit_json, json_edits, mutated

TERMINAL = "LC0001"
CENTRAL = x25519.X25519PrivateKey.generate()
SIGNER = ec.generate_private_key(ec.SECP256R1())
ACK_KEY = ed25519.Ed25519PrivateKey.generate()
HEADER = Header(TERMINAL, 42, "01a201dc-1a8f-77b4-99a0-eceedf0f2656", "application", "2026-11-22T07:00:00+00:00",
                "boot-1")
ENVELOPE = seal(HEADER, json.dumps({"values": {"applicant.name": "欧阳锦绣"}}).encode(), CENTRAL.public_key(), SIGNER)
RATING = seal(Header(TERMINAL, 43, "01a201dc-1a8f-77b4-99a0-eceedf0f2657", "rating", "2026-11-22T07:01:00+00:00",
                     "boot-1"), b'{"level": 5}', CENTRAL.public_key(), SIGNER)
BUNDLE = bundle.pack([ENVELOPE, RATING])
ACKS = seal_acks(TERMINAL, [Ack(TERMINAL, HEADER.id, "stored"), Ack(TERMINAL, "x", "rejected", "bad_content")],
                 ACK_KEY, datetime(2026, 11, 22, 7, 0, tzinfo=UTC))
BOMBS = [b"[" * 100_000, b'{"a":' * 50_000, b'{"h": ' * 5_000, b"[" * 5_000 + b"]" * 5_000]
EDITS = json_edits()


def check_envelope(data: bytes) -> None:
    """Open ``data`` with the real keys: a checked header and a body, or EnvelopeError."""
    try:
        header, body = open_envelope(data, SIGNER.public_key(), CENTRAL)
    except EnvelopeError as exc:
        refused = exc.code
    else:
        refused = ""
    assert refused or isinstance(body, bytes)
    if refused:
        return
    assert header.kind in KINDS
    assert isinstance(header.seq, int)
    assert 0 <= header.seq < MAX_SEQ
    assert is_message_id(header.id)
    assert all(isinstance(v, str) and len(v) <= MAX_FIELD for v in (header.terminal, header.created, header.boot))


def signed_envelope(document: Any, sign: bool) -> bytes:
    """Serialize an edited envelope canonically; when ``sign``, sign it again with the terminal's real key."""
    if not isinstance(document, dict):
        return json.dumps(document).encode()
    if sign:
        unsigned = {k: v for k, v in document.items() if k != "sig"}
        document = {**unsigned, "sig": b64(SIGNER.sign(canonical(unsigned), ec.ECDSA(hashes.SHA256())))}
    return canonical(document)


@given(mutated(BUNDLE) | st.binary(max_size=64).map(lambda tail: bundle.MAGIC + tail))
@example(bundle.MAGIC + b"\xff\xff\xff\xff")
@example(bundle.MAGIC + b"\x00\x00\x00\x00")
@budget("bundle/raw")
def test_any_bundle_is_envelopes_within_limits_or_an_envelope_error(data: bytes) -> None:
    tally("bundle/raw")
    try:
        envelopes = bundle.unpack(data)
    except EnvelopeError as exc:
        envelopes, refused = [], exc.code
    else:
        refused = ""
    assert refused in {"", "bad_bundle"}
    if refused:
        return
    assert 0 < len(envelopes) <= bundle.MAX_ENVELOPES
    assert all(0 < len(e) <= len(data) for e in envelopes)


@given(st.lists(mutated(ENVELOPE, RATING, max_edits=2) | st.sampled_from([ENVELOPE, RATING]), min_size=1, max_size=4))
@budget("bundle/envelopes")
def test_each_envelope_of_a_damaged_bundle_opens_or_is_refused_alone(envelopes: list[bytes]) -> None:
    tally("bundle/envelopes")
    unpacked = bundle.unpack(bundle.pack([e or b"-" for e in envelopes]))
    assert unpacked == [e or b"-" for e in envelopes]
    for envelope in unpacked:
        check_envelope(envelope)


@given(mutated(ENVELOPE, RATING) | st.binary(max_size=200))
@example(b'{"h": {"v": 1}}')
@example(b"\xff\xfe{}")
@example(BOMBS[0])
@example(BOMBS[1])
@budget("envelope/raw")
def test_any_bytes_are_an_envelope_or_an_envelope_error(data: bytes) -> None:
    tally("envelope/raw")
    check_envelope(data)


@given(st.sampled_from([ENVELOPE, RATING]), EDITS, st.booleans())
@budget("envelope/mutated")
def test_an_edited_envelope_signed_again_or_not_opens_or_is_refused(genuine_bytes: bytes, edits: list[Any],
                                                                    sign: bool) -> None:
    tally("envelope/mutated")
    check_envelope(signed_envelope(edit_json(json.loads(genuine_bytes), edits), sign))


def check_acks(payload: bytes) -> None:
    """Open an ack batch for the terminal: verified verdicts with an aware time, or EnvelopeError."""
    try:
        batch = open_acks(payload, TERMINAL, ACK_KEY.public_key())
    except EnvelopeError as exc:
        refused = exc.code
    else:
        refused = ""
    if refused:
        return
    assert isinstance(batch, AckBatch)
    assert batch.at.tzinfo is not None
    assert all(a.terminal == TERMINAL and a.status in STATUSES and isinstance(a.id, str) for a in batch.acks)


def signed_acks(document: Any, sign: bool) -> bytes:
    """Serialize an edited ack batch; when ``sign``, sign it again with central's real ack key."""
    if not isinstance(document, dict):
        return json.dumps(document).encode()
    if sign:
        unsigned = {name: document.get(name) for name in ("v", "terminal", "at", "acks")}
        document = {**document, "sig": b64(ACK_KEY.sign(canonical(unsigned)))}
    return canonical(document)


def resigned_at(at: str) -> bytes:
    """Return the genuine ack batch with central's time ``at``, signed again."""
    return signed_acks(json.loads(ACKS) | {"at": at}, sign=True)


@given(mutated(ACKS) | st.binary(max_size=200))
@example(BOMBS[0])  # a nesting bomb: RecursionError escaped the parser and stopped the sync agent's pump
@example(BOMBS[3])
@budget("acks/raw")
def test_any_bytes_are_an_ack_batch_or_an_envelope_error(payload: bytes) -> None:
    tally("acks/raw")
    check_acks(payload)


@given(EDITS, st.booleans())
@example([("replace", [1], "0001-01-01T00:00:00+14:00")], True)  # central's time before year 1 in UTC: OverflowError
@example([("replace", [1], "9999-12-31T23:59:59-14:00")], True)
@example([("delete", [1], None)], True)  # a signed batch without a time: was a KeyError
@example([("replace", [0, 0, 2], [])], True)  # a status that is a list: was a TypeError (unhashable)
@budget("acks/mutated")
def test_an_edited_ack_batch_signed_again_or_not_opens_or_is_refused(edits: list[Any], sign: bool) -> None:
    tally("acks/mutated")
    check_acks(signed_acks(edit_json(json.loads(ACKS), edits), sign))


HEARTBEAT = json.dumps(genuine()).encode()
PRESENCE = presence(True, "connected", "3f0c2a9e-boot")


def check_heartbeat(payload: bytes) -> None:
    """Read a heartbeat of the terminal: a typed Heartbeat, or Refused."""
    try:
        beat = read_heartbeat(payload, TERMINAL)
    except Refused as exc:
        refused = exc.reason
    else:
        refused = ""
    assert refused in {"", "oversized", "bad_schema", "terminal_mismatch"}
    if refused:
        return
    assert isinstance(beat, Heartbeat)
    assert beat.terminal == TERMINAL
    assert all(c.device.isprintable() and c.state.isprintable() for c in beat.components)


@given(mutated(HEARTBEAT, max_edits=6) | st.binary(max_size=200))
@example(BOMBS[2])
@budget("heartbeat/raw")
def test_any_bytes_are_a_heartbeat_or_refused(payload: bytes) -> None:
    tally("heartbeat/raw")
    check_heartbeat(payload)


@given(EDITS)
@budget("heartbeat/mutated")
def test_an_edited_heartbeat_is_a_heartbeat_or_refused(edits: list[Any]) -> None:
    tally("heartbeat/mutated")
    check_heartbeat(json.dumps(edit_json(json.loads(HEARTBEAT), edits)).encode())


@given(mutated(PRESENCE) | EDITS.map(lambda edits: json.dumps(edit_json(json.loads(PRESENCE), edits)).encode())
       | JSON.map(lambda value: json.dumps(value).encode()))
@example(BOMBS[1])
@budget("presence")
def test_any_presence_payload_is_a_state_or_refused(payload: bytes) -> None:
    tally("presence")
    try:
        state = read_presence(payload)
    except Refused:
        return
    assert isinstance(state, Presence)
    assert state.reason in {"connected", "stopped", "lost"}


TOPICS = [topics.up(TERMINAL, "application"), topics.bundle(TERMINAL), topics.telemetry(TERMINAL),
          topics.state(TERMINAL), topics.ack(TERMINAL)]


@given(mutated(*(t.encode() for t in TOPICS)).map(lambda raw: raw.decode("utf-8", errors="replace"))
       | st.text(max_size=60))
@example("yc/v1/t/LC0001\n/up/app")  # a newline after the id: `$` matched before it, and the id kept it
@budget("topics")
def test_any_topic_names_a_well_formed_terminal_or_none(topic: str) -> None:
    tally("topics")
    terminal = topics.terminal_of(topic)
    assert terminal is None or topics.TERMINAL.fullmatch(terminal)
    assert isinstance(topics.is_bundle(topic), bool)
