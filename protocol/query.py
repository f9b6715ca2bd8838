"""进度查询 online: a terminal's question to central and central's answer, both unreadable to the broker.

The question (a receipt number, or the ID number read from the citizen's card) is encrypted to
central's X25519 key (ephemeral-static ECDH, HKDF-SHA256, AES-256-GCM, the asking terminal's id
as associated data) and carries a fresh answer key; central's answer is AES-256-GCM under that
key with the MQTT 5 correlation data as associated data. So only the terminal that asked can read
the answer, and an answer to one question cannot pass for another. Every field is bounded here.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from protocol.envelope import raw_public

QUESTION = b"YCQ1"
ANSWER = b"YCA1"
KINDS = frozenset({"number", "card", "delegate"})  # delegate: central vouches for the receipt key (receipt_token.py)
MAX_QUESTION = 1024  # bytes of a sealed question
MAX_ANSWER = 64 * 1024  # bytes of a sealed answer
MAX_FOUND = 20  # applications in one answer (a holder's newest)
MAX_DELEGATION = 300  # hex characters of a receipt-key delegation
MAX_TEXT = 200  # characters of a reason or a name in an answer
CORRELATION = 16  # bytes of correlation data the terminal sends
ERRORS = frozenset({"not_found", "malformed", "rate_limited", "unavailable"})
VALUE = re.compile(r"^[0-9A-Z-]{1,64}$")  # a receipt or ID number, or a receipt key in hex
DELEGATION_HEX = re.compile(r"^(?:[0-9a-f]{2}){0,150}$")  # MAX_DELEGATION hex characters at most
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")
HEAD = struct.Struct(">4s32s12s")  # magic, ephemeral public key, nonce


class QueryError(ValueError):
    """A question or answer that cannot be used; ``code`` says why in one word."""

    def __init__(self, code: str, detail: str) -> None:
        """Keep the code and a description (never the question's content)."""
        super().__init__(f"{code}: {detail}")
        self.code = code


@dataclass(frozen=True)
class Question:
    """What the citizen asks: by receipt number or by the card's ID number; the key the answer comes under."""

    by: str
    value: str
    key: bytes

    def __repr__(self) -> str:
        """Show the kind only: the value may be an ID number."""
        return f"Question(by={self.by!r})"


@dataclass(frozen=True)
class Found:
    """One application as central knows it: nothing personal."""

    number: str
    item: str  # the item or bundle code (the terminal names it from its catalog)
    state: str
    submitted: str  # the day it was made (YYYY-MM-DD)
    changed: str  # when central last changed its state (ISO 8601), or when it arrived
    reason: str
    owed: tuple[str, ...]
    due: str = ""  # the last day to hand in what is owed (YYYY-MM-DD), or empty


@dataclass(frozen=True)
class Answer:
    """Central's answer: the applications found, or why none (``error``), as of central's clock."""

    as_of: str
    found: tuple[Found, ...] = ()
    error: str = ""
    delegation: str = ""  # hex: central's delegation of the asker's receipt key


def _derive(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    """Derive the question key from the ECDH secret, binding both public keys (its own label: not an envelope's)."""
    return HKDF(hashes.SHA256(), 32, salt=epk + recipient, info=b"yichuang query v1").derive(shared)


def ask(by: str, value: str, central: x25519.X25519PublicKey, terminal: str) -> tuple[Question, bytes]:
    """Return the question (with a fresh answer key) and its sealed bytes for ``terminal`` to publish."""
    if by not in KINDS or not VALUE.fullmatch(value):
        raise QueryError("malformed", f"a question by {by!r}")
    question = Question(by, value, AESGCM.generate_key(256))
    ephemeral = x25519.X25519PrivateKey.generate()
    epk = raw_public(ephemeral.public_key())
    key = _derive(ephemeral.exchange(central), epk, raw_public(central))
    nonce = os.urandom(12)
    body = json.dumps({"by": by, "value": value, "key": question.key.hex()}).encode()
    return question, HEAD.pack(QUESTION, epk, nonce) + AESGCM(key).encrypt(nonce, body, QUESTION + terminal.encode())


def read_question(payload: bytes, central: x25519.X25519PrivateKey, terminal: str) -> Question:
    """Open a sealed question from ``terminal``; raise QueryError for anything else."""
    if not HEAD.size < len(payload) <= MAX_QUESTION or payload[:4] != QUESTION:
        raise QueryError("malformed", "not a question")
    _, epk, nonce = HEAD.unpack_from(payload)
    try:
        key = _derive(central.exchange(x25519.X25519PublicKey.from_public_bytes(epk)), epk,
                      raw_public(central.public_key()))
        body = AESGCM(key).decrypt(nonce, payload[HEAD.size:], QUESTION + terminal.encode())
    except (InvalidTag, ValueError):
        raise QueryError("undecryptable", "not sealed to this central for this terminal") from None
    data = _object(body)
    by, value, hexkey = data.get("by"), data.get("value"), data.get("key")
    if by not in KINDS or not isinstance(value, str) or not VALUE.fullmatch(value):
        raise QueryError("malformed", "the question's fields")
    if not isinstance(hexkey, str) or not re.fullmatch(r"[0-9a-f]{64}", hexkey):
        raise QueryError("malformed", "the answer key")
    return Question(str(by), value, bytes.fromhex(hexkey))


def answer(question: Question, reply: Answer, correlation: bytes) -> bytes:
    """Return ``reply`` sealed under the question's answer key, bound to ``correlation``."""
    body = {"as_of": reply.as_of, "error": reply.error, "delegation": reply.delegation,
            "found": [{**f.__dict__, "owed": list(f.owed)} for f in reply.found[:MAX_FOUND]]}
    nonce = os.urandom(12)
    return ANSWER + nonce + AESGCM(question.key).encrypt(nonce, json.dumps(body, ensure_ascii=False).encode(),
                                                          ANSWER + correlation)


def read_answer(payload: bytes, question: Question, correlation: bytes) -> Answer:
    """Open central's answer to ``question``; raise QueryError for anything else."""
    if not 16 < len(payload) <= MAX_ANSWER or payload[:4] != ANSWER:
        raise QueryError("malformed", "not an answer")
    try:
        body = AESGCM(question.key).decrypt(payload[4:16], payload[16:], ANSWER + correlation)
    except InvalidTag:
        raise QueryError("undecryptable", "not an answer to this question") from None
    data = _object(body)
    as_of, error, found = data.get("as_of"), data.get("error"), data.get("found")
    if not _text(as_of) or not DAY.match(str(as_of)) or not isinstance(error, str) or error not in ERRORS | {""}:
        raise QueryError("malformed", "the answer's time or error")
    if not isinstance(found, list) or len(found) > MAX_FOUND:
        raise QueryError("malformed", "the answer's list")
    delegation = data.get("delegation", "")
    if not isinstance(delegation, str) or not DELEGATION_HEX.fullmatch(delegation):
        raise QueryError("malformed", "the answer's delegation")
    return Answer(str(as_of), tuple(_found(entry) for entry in found), str(error), delegation)


def _found(entry: object) -> Found:
    """Return one listed application, typed and bounded."""
    if not isinstance(entry, dict):
        raise QueryError("malformed", "an application in the answer")
    texts = [entry.get(name) for name in ("number", "item", "state", "submitted", "changed", "reason")]
    owed = entry.get("owed")
    if not all(_text(t, empty=i == 5) for i, t in enumerate(texts)) or not VALUE.fullmatch(str(texts[0])):
        raise QueryError("malformed", "an application's fields")
    if not isinstance(owed, list) or len(owed) > MAX_FOUND or not all(_text(m) for m in owed):
        raise QueryError("malformed", "an application's owed materials")
    due = entry.get("due", "")
    if not isinstance(due, str) or (due and not DATE.fullmatch(due)):
        raise QueryError("malformed", "an application's deadline")
    number, item, state, submitted, changed, reason = (str(t) for t in texts)
    return Found(number, item, state, submitted, changed, reason, tuple(str(m) for m in owed), due)


def _text(value: object, empty: bool = False) -> bool:
    """Return whether ``value`` is a bounded printable string (empty only if allowed)."""
    return (isinstance(value, str) and len(value) <= MAX_TEXT and (empty or bool(value))
            and value.isprintable())


def _object(body: bytes) -> dict[str, Any]:
    """Parse a JSON object; raise QueryError for anything else."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise QueryError("malformed", "not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise QueryError("malformed", "not an object")
    return data
