"""Fuzzing 进度查询 from the broker: sealed questions at central, and what is inside an answer at the terminal.

Answers are sealed with the genuine key before the parser sees them, so the inputs reach the JSON
reader behind the decryption: every one ends in a bounded ``Answer`` or a ``QueryError``.
"""

from __future__ import annotations

import json
import os

from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import example, given
from hypothesis import strategies as st

from protocol import query
from tests.fuzz.budget import budget, tally
from tests.fuzz.mutate import mutated

CENTRAL = x25519.X25519PrivateKey.generate()
QUESTION, SEALED = query.ask("card", "370303198505120012", CENTRAL.public_key(), "LC0001")
CORRELATION = os.urandom(query.CORRELATION)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=8),
                    max_leaves=30)
FOUND = st.fixed_dictionaries({name: JSON | st.text(max_size=240) for name in
                               ("number", "item", "state", "submitted", "changed", "reason", "owed")})
BODIES = st.fixed_dictionaries({"as_of": JSON | st.just("2026-12-04T09:00:00+00:00"),
                                "error": JSON | st.sampled_from(sorted(query.ERRORS)),
                                "found": JSON | st.lists(FOUND, max_size=25)})


def seal(body: bytes) -> bytes:
    """Seal ``body`` as central would, under the question's answer key."""
    nonce = os.urandom(12)
    return query.ANSWER + nonce + AESGCM(QUESTION.key).encrypt(nonce, body, query.ANSWER + CORRELATION)


@given(mutated(SEALED) | st.binary(max_size=200).map(lambda tail: query.QUESTION + tail))
@example(SEALED)
@budget("query/questions")
def test_any_question_opens_to_a_bounded_one_or_is_a_query_error(data: bytes) -> None:
    tally("query/questions")
    try:
        question = query.read_question(data, CENTRAL, "LC0001")
    except query.QueryError as exc:
        refused = exc.code
    else:
        refused = ""
    assert refused in {"", "malformed", "undecryptable"}
    if refused:
        return
    assert question.by in query.KINDS
    assert query.VALUE.fullmatch(question.value)
    assert len(question.key) == 32


@given(BODIES.map(lambda body: json.dumps(body).encode()) | st.binary(max_size=200))
@budget("query/answers")
def test_any_answer_body_reads_as_a_bounded_answer_or_is_a_query_error(body: bytes) -> None:
    tally("query/answers")
    try:
        answer = query.read_answer(seal(body), QUESTION, CORRELATION)
    except query.QueryError as exc:
        refused = exc.code
    else:
        refused = ""
    assert refused in {"", "malformed"}
    if refused:
        return
    assert answer.error in query.ERRORS | {""}
    assert len(answer.found) <= query.MAX_FOUND
    for found in answer.found:
        assert query.VALUE.fullmatch(found.number)
        assert all(len(text) <= query.MAX_TEXT for text in (found.item, found.state, found.reason, *found.owed))
