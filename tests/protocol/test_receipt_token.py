"""The receipt's QR token: verifiable offline with central's key alone, and only for what central vouched for."""

from __future__ import annotations

from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from domain.numbering import receipt_number
from protocol.receipt_token import TokenError, delegate, sign, verify

CENTRAL = ed25519.Ed25519PrivateKey.generate()
RECEIPT_KEY = ed25519.Ed25519PrivateKey.generate()


def number_for(terminal: str, day: str, seq: str = "0001") -> str:
    """Return a well-formed receipt number (the check character computed by the domain)."""
    return receipt_number(terminal, date.fromisoformat(day), int(seq))


def test_a_token_verifies_with_centrals_public_key_alone() -> None:
    number = number_for("LC0001", "2026-12-03")
    delegation = delegate(CENTRAL, "LC0001", RECEIPT_KEY.public_key(), date(2027, 3, 1))
    token = sign(number, delegation, RECEIPT_KEY)
    assert token.startswith(number + ".")
    assert len(token) < 256  # it fits a receipt's QR comfortably
    verified = verify(token, CENTRAL.public_key())
    assert (verified.number, verified.terminal, verified.day) == (number, "LC0001", date(2026, 12, 3))


@pytest.mark.parametrize("case", ["bare number", "other central", "other terminal", "after the delegation",
                                  "other number", "damaged"])
def test_a_token_proves_nothing_beyond_what_central_vouched_for(case: str) -> None:
    number = number_for("LC0001", "2026-12-03")
    central = ed25519.Ed25519PrivateKey.generate() if case == "other central" else CENTRAL
    terminal = "LC0002" if case == "other terminal" else "LC0001"
    until = date(2026, 12, 2) if case == "after the delegation" else date(2027, 3, 1)
    token = sign(number, delegate(central, terminal, RECEIPT_KEY.public_key(), until), RECEIPT_KEY)
    if case == "bare number":
        token = number
    if case == "other number":
        token = number_for("LC0001", "2026-12-03", "0002") + token[len(number):]
    if case == "damaged":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with pytest.raises(TokenError):
        verify(token, CENTRAL.public_key())


@pytest.mark.parametrize("junk", ["", ".", "x" * 300, "LC0001-261203-0001X.%%%", "LC0001-261203-0001X.AAAA",
                                  "中文.AAAA", "LC0001-261203-0001X." + "A" * 200])
def test_junk_is_a_token_error(junk: str) -> None:
    with pytest.raises(TokenError):
        verify(junk, CENTRAL.public_key())
