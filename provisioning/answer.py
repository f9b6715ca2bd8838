"""The enrollment answer, signed by the issuing CA and checked against the chain on the claim media.

The answer travels through the broker, so the broker (or anyone who can publish on the answer's
topic) could swap central's ``uplink.pub``/``ack.pub``, the chain or the hall. The service signs
the exact bytes of the answer with the issuing CA's key; the terminal checks them against the
issuing CA of the chain on its claim media (pinned, never the one inside the answer), requires the
answer's chain to be that same chain, and only then reads a field.

Wire format: ``{"v": 1, "answer": "<canonical JSON text>", "sig": "<base64 DER ECDSA-SHA256>"}``;
the signature covers ``CONTEXT`` followed by the UTF-8 bytes of ``answer``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

CONTEXT = b"yichuang enrollment answer v1\n"  # a signature made for anything else never verifies here
MAX_ANSWER_BYTES = 64 * 1024
MAX_FIELD = 16 * 1024
MAX_WORDS = 200
TERMINAL_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class AnswerError(ValueError):
    """An answer that is not central's, or not one the terminal can install (the message says why)."""


def canonical(answer: dict[str, Any]) -> bytes:
    """Serialize an answer one way only: sorted keys, no spaces, UTF-8."""
    return json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_answer(answer: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> bytes:
    """Return the bytes to publish: ``answer`` in canonical form with the issuing CA's signature."""
    body = canonical(answer)
    signature = key.sign(CONTEXT + body, ec.ECDSA(hashes.SHA256()))
    return json.dumps({"v": 1, "answer": body.decode(), "sig": base64.b64encode(signature).decode()}).encode()


def _strict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build a JSON object, refusing a key given twice."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise AnswerError(f"the answer repeats the field {name!r}")
        result[name] = value
    return result


def _object(text: str | bytes) -> dict[str, Any]:
    """Parse a JSON object (no duplicate keys, no nesting bombs: the size is bounded before)."""
    try:
        data = json.loads(text, object_pairs_hook=_strict)
    except AnswerError:
        raise
    except (ValueError, RecursionError):
        raise AnswerError("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise AnswerError("the answer is not a JSON object")
    return data


def _chain(pem: bytes) -> list[x509.Certificate]:
    """Parse a PEM chain; a malformed one is an AnswerError."""
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise AnswerError("the chain is not PEM certificates") from None


def _verify(envelope: dict[str, Any], pinned: list[x509.Certificate]) -> str:
    """Check the signature with the pinned issuing CA; return the signed text."""
    body, sig = envelope.get("answer"), envelope.get("sig")
    if envelope.get("v") != 1 or not isinstance(body, str) or not isinstance(sig, str):
        raise AnswerError("the answer is not signed by the fleet's CA (no signature): refused, nothing installed")
    issuing = pinned[0].public_key()
    if not isinstance(issuing, ec.EllipticCurvePublicKey):
        raise AnswerError("the claim media's CA is not an ECDSA CA")
    try:
        issuing.verify(base64.b64decode(sig, validate=True), CONTEXT + body.encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise AnswerError("the answer is not signed by the fleet's CA on the claim media (altered on the way, "
                          "or a broker that is not ours): refused, nothing installed") from None
    return body


def _text(data: dict[str, Any], *path: str, limit: int = MAX_FIELD) -> str:
    """Return the string at ``path`` in ``data``, bounded; anything else is an AnswerError."""
    value: Any = data
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    if not isinstance(value, str) or len(value) > limit:
        raise AnswerError(f"the answer's {'.'.join(path)} is missing or malformed")
    return value


def _check_fields(answer: dict[str, Any], pinned: list[x509.Certificate]) -> None:
    """Check the type and size of every field an accepted answer installs, and that its chain is the pinned one."""
    if not TERMINAL_ID.match(_text(answer, "terminal", limit=64)):
        raise AnswerError("the answer's terminal id is malformed")
    _text(answer, "profile", "hall", limit=MAX_WORDS)
    installed = (("certificate",), ("central", "uplink"), ("central", "ack"), ("signing", "catalog"),
                 ("signing", "command"))
    for path in installed:
        _text(answer, *path)
    if _chain(_text(answer, "chain").encode()) != pinned:
        raise AnswerError("the answer's CA chain is not the one on the claim media: refused, nothing installed")


def open_signed(payload: bytes, pinned: list[x509.Certificate]) -> dict[str, Any]:
    """Return the object a bounded answer signed by the pinned chain's issuing CA holds (fields unchecked)."""
    if len(payload) > MAX_ANSWER_BYTES:
        raise AnswerError("the answer is too large: refused, nothing installed")
    if not pinned:
        raise AnswerError("the claim media's ca.pem holds no certificate")
    return _object(_verify(_object(payload), pinned))


def refusal(answer: dict[str, Any]) -> str:
    """Return a refused answer's reason, cleaned of control characters and bounded."""
    message = answer.get("message", answer.get("reason"))
    return CONTROL.sub("", message)[:MAX_WORDS] if isinstance(message, str) else "no reason given"


def open_answer(payload: bytes, pinned_chain: bytes) -> dict[str, Any]:
    """Verify a signed answer against the claim media's chain and return its fields, typed and bounded.

    A refusal comes back as ``{"status": "refused", "message": …}`` with a cleaned, bounded message.
    """
    if len(payload) > MAX_ANSWER_BYTES:
        raise AnswerError("the answer is too large: refused, nothing installed")
    pinned = _chain(pinned_chain)
    answer = open_signed(payload, pinned)
    if answer.get("status") == "ok":
        _check_fields(answer, pinned)
        return answer
    return {"status": "refused", "message": refusal(answer)}
