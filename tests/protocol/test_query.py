"""The 进度查询 question and answer: sealed to the right party, bound to the asker and the request, bounded."""

from __future__ import annotations

import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from protocol import query

CENTRAL = x25519.X25519PrivateKey.generate()
FOUND = query.Found("LC0001-261203-0001X", "SB-001", "needs_supplement", "2026-12-03", "2026-12-04T09:00:00+00:00",
                    "复印件不清晰", ("id-copy",))


def test_a_question_reaches_central_and_its_answer_only_the_asker() -> None:
    question, sealed = query.ask("card", "370303198505120012", CENTRAL.public_key(), "LC0001")
    assert b"370303198505120012" not in sealed  # the broker sees no ID number
    assert "3703" not in repr(question)
    opened = query.read_question(sealed, CENTRAL, "LC0001")
    assert (opened.by, opened.value, opened.key) == ("card", "370303198505120012", question.key)
    correlation = os.urandom(query.CORRELATION)
    reply = query.Answer("2026-12-04T09:01:00+00:00", (FOUND,))
    answer = query.answer(opened, reply, correlation)
    assert "复印件".encode() not in answer
    assert query.read_answer(answer, question, correlation) == reply


def test_a_question_replayed_from_another_terminals_topic_does_not_open() -> None:
    _, sealed = query.ask("number", "LC0001-261203-0001X", CENTRAL.public_key(), "LC0001")
    with pytest.raises(query.QueryError) as raised:
        query.read_question(sealed, CENTRAL, "LC0002")
    assert raised.value.code == "undecryptable"


def test_an_answer_for_another_question_or_request_does_not_read() -> None:
    question, _ = query.ask("number", "LC0001-261203-0001X", CENTRAL.public_key(), "LC0001")
    other, _ = query.ask("number", "LC0001-261203-0001X", CENTRAL.public_key(), "LC0001")
    correlation = os.urandom(query.CORRELATION)
    answer = query.answer(question, query.Answer("2026-12-04T09:01:00+00:00", error="not_found"), correlation)
    for key, bound in ((other, correlation), (question, os.urandom(query.CORRELATION))):
        with pytest.raises(query.QueryError) as raised:
            query.read_answer(answer, key, bound)
        assert raised.value.code == "undecryptable"


@pytest.mark.parametrize(("by", "value"), [("name", "LC0001"), ("card", ""), ("card", "x" * 40),
                                           ("number", "LC0001\n"), ("card", "３７０３")])
def test_a_question_outside_its_bounds_is_not_asked(by: str, value: str) -> None:
    with pytest.raises(query.QueryError):
        query.ask(by, value, CENTRAL.public_key(), "LC0001")


@pytest.mark.parametrize("found", [
    {**FOUND.__dict__, "owed": "id-copy"},  # not a list
    {**FOUND.__dict__, "owed": [], "number": "LC0001 ; DROP"},
    {**FOUND.__dict__, "owed": [], "reason": "\x1b[2J" * 3},  # control characters
    {**FOUND.__dict__, "owed": [], "item": "x" * 201},
    {**FOUND.__dict__, "owed": [], "state": None},
])
def test_an_answer_with_a_field_out_of_bounds_is_refused_whole(found: dict[str, object]) -> None:
    question, _ = query.ask("number", "LC0001-261203-0001X", CENTRAL.public_key(), "LC0001")
    correlation = os.urandom(query.CORRELATION)
    body = json.dumps({"as_of": "2026-12-04T09:01:00+00:00", "error": "", "found": [found]}).encode()
    nonce = os.urandom(12)
    sealed = query.ANSWER + nonce + AESGCM(question.key).encrypt(nonce, body, query.ANSWER + correlation)
    with pytest.raises(query.QueryError) as raised:
        query.read_answer(sealed, question, correlation)
    assert raised.value.code == "malformed"
