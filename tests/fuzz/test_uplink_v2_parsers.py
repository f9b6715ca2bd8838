"""Fuzzing protocol v2 from the broker: bundles (framing and the one signature), envelopes, stored proofs.

Every input ends in a typed value or ``EnvelopeError``; structure-aware inputs start from a genuine
bundle sealed and signed with real keys, so edits reach the signature check, the header parser and
the decryption behind it.
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric import ec, x25519
from hypothesis import example, given
from hypothesis import strategies as st

from protocol import uplink_v2
from protocol.envelope import KINDS, MAX_FIELD, MAX_SEQ, EnvelopeError, Header, is_message_id
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import mutated

CENTRAL = x25519.X25519PrivateKey.generate()
SIGNER = ec.generate_private_key(ec.SECP256R1())
ENVELOPES = [
    uplink_v2.seal(Header("LC0001", n, f"01a201dc-1a8f-77b4-99a0-eceedf0f265{n}", kind, "2026-12-03T09:00:00+00:00",
                          "boot-1", v=2), json.dumps({"level": 5, "n": n}).encode(), CENTRAL.public_key())
    for n, kind in enumerate(("application", "rating", "help_request"))
]
BUNDLE = uplink_v2.pack(ENVELOPES, SIGNER)
PROOF = uplink_v2.unpack(BUNDLE).proof()


def check_bundle(data: bytes) -> None:
    """Unpack, verify and open a bundle: checked headers and bodies, or EnvelopeError at one step."""
    try:
        received = uplink_v2.unpack(data)
        uplink_v2.verify(received, (SIGNER.public_key(),))
    except EnvelopeError as exc:
        refused = exc.code
    else:
        refused = ""
    assert refused in {"", "bad_bundle", "bad_signature"}
    if refused:
        return
    assert 0 < len(received.envelopes) <= uplink_v2.MAX_ENVELOPES
    for envelope in received.envelopes:
        check_envelope(envelope)


def check_envelope(envelope: bytes) -> None:
    """Read and open one envelope: a bounded header and a body, or EnvelopeError."""
    try:
        header, head = uplink_v2.read_header(envelope)
        body = uplink_v2.open_body(envelope, head, CENTRAL)
    except EnvelopeError:
        return
    assert header.kind in KINDS
    assert 0 <= header.seq < MAX_SEQ
    assert is_message_id(header.id)
    assert all(len(v) <= MAX_FIELD for v in (header.terminal, header.created, header.boot, header.ctype))
    assert isinstance(body, bytes)


@given(mutated(BUNDLE) | st.binary(max_size=80).map(lambda tail: uplink_v2.BUNDLE_MAGIC + tail))
@example(uplink_v2.BUNDLE_MAGIC + b"\x32" + b"\xff\xff\xff\xff")
@example(BUNDLE)
@budget("bundle v2/raw")
def test_any_v2_bundle_verifies_and_opens_or_is_an_envelope_error(data: bytes) -> None:
    tally("bundle v2/raw")
    check_bundle(data)


@given(mutated(*ENVELOPES) | st.binary(max_size=120).map(lambda tail: uplink_v2.ENVELOPE_MAGIC + tail))
@example(uplink_v2.ENVELOPE_MAGIC + b"\x04\x00" + b"[" * 1024)
@budget("envelope v2/raw")
def test_any_v2_envelope_opens_or_is_an_envelope_error(data: bytes) -> None:
    tally("envelope v2/raw")
    check_envelope(data)


@given(mutated(PROOF) | st.binary(max_size=120), st.sampled_from(ENVELOPES))
@budget("proof v2")
def test_a_damaged_proof_never_verifies_an_envelope_and_never_crashes(proof: bytes, envelope: bytes) -> None:
    tally("proof v2")
    try:
        uplink_v2.verify_stored(envelope, proof, (SIGNER.public_key(),))
    except EnvelopeError as exc:
        refused = exc.code
    else:
        refused = ""
    assert refused in {"bad_proof", "bad_signature"} or proof == PROOF  # only the genuine proof verifies
