"""Use case: the receipt QR's signature — a receipt key at this terminal that central has vouched for.

The receipt's QR carries a token (protocol/receipt_token.py) any terminal, staff phone or central's
public progress page verifies offline with central's public key. The kiosk keeps an Ed25519
receipt key in the store and, between sessions while online, has central vouch for it through the
progress desk (a delegation valid 90 days, renewed with a third left). A receipt printed while the
terminal holds no valid delegation carries the bare number, and says so to whoever scans it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.services.asking import Asker
from kiosk.store import receipt_keys
from kiosk.store.store import Store
from protocol.receipt_token import TokenError, read_delegation, sign

RENEW_WITHIN = timedelta(days=30)


@dataclass(frozen=True)
class ReceiptSigner:
    """A receipt key and central's delegation of it, up to a day."""

    key: ed25519.Ed25519PrivateKey
    delegation: bytes
    until: date

    def token(self, number: str, day: date) -> str:
        """Return receipt ``number``'s token: signed if the delegation covers ``day``, else the bare number."""
        return sign(number, self.delegation, self.key) if day <= self.until else number


def load(store: Store, central: ed25519.Ed25519PublicKey, terminal: str) -> ReceiptSigner | None:
    """Return the kept receipt key with a delegation of it by central for ``terminal`` (None: none yet)."""
    seed, delegation = receipt_keys.load(store)
    if seed is None or not delegation:
        return None
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    try:
        vouched, public, until = read_delegation(delegation, central)
    except TokenError:
        return None
    if vouched != terminal or public.public_bytes_raw() != key.public_key().public_bytes_raw():
        return None
    return ReceiptSigner(key, delegation, until)


def renew(store: Store, asker: Asker, central: ed25519.Ed25519PublicKey, today: date,
          held: ReceiptSigner | None) -> ReceiptSigner | None:
    """Have central vouch for the receipt key when none is held or a third of it is left; return the signer to use."""
    if held is not None and held.until - today > RENEW_WITHIN:
        return held
    seed, _ = receipt_keys.load(store)
    seed = seed or os.urandom(32)
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    answer = asker.ask("delegate", key.public_key().public_bytes_raw().hex().upper())
    if answer is None or not answer.delegation:
        return held  # offline, or refused: keep signing with what is held while it lasts
    receipt_keys.save(store, seed, bytes.fromhex(answer.delegation))
    return load(store, central, asker.terminal) or held
