"""Use case: the technician's card opens the technician screens, as the technician PIN does.

The card must be on the terminal's PC/SC reader; its holder types the card's own PIN, which the
card checks (and blocks itself after a few wrong ones). The terminal sends a fresh challenge and
accepts the card's signature and certificate only as protocol/techcard.py says: issued by the
fleet's CA this terminal pinned at enrollment, valid now, for a technician, and not on the fleet's
revocation list the sync agent keeps (protocol/crl.py). Each entry is audited
with the technician's id; a refusal with its reason (never the PIN).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509

from drivers.cardreader.errors import CardReaderError
from drivers.cardreader.pcsc.techcard import CHALLENGE_BYTES, CardPinBlocked, NotATechnicianCard, WrongCardPin
from kiosk.services.technician import CARD_REFUSED
from kiosk.services.technician_access import audit
from kiosk.store.store import Store
from protocol import crl
from protocol.techcard import TechnicianCardError, TechnicianCardRevoked, verify


class CardRefusal(Enum):
    """Why the card did not open the screens (the screen says each in words)."""

    NO_READER = "no_reader"  # this terminal's reader is not PC/SC
    NOT_CONFIGURED = "not_configured"  # no fleet CA pinned (not enrolled)
    NO_CARD = "no_card"
    NOT_A_CARD = "not_a_card"
    WRONG_PIN = "wrong_pin"
    BLOCKED = "blocked"
    INVALID = "invalid"  # not this fleet's, expired, or a bad signature
    REVOKED = "revoked"  # on the fleet's revocation list this terminal holds
    CRL_UNUSABLE = "crl_unusable"  # the revocation list file is there but cannot be read or checked


class CardRefused(Exception):
    """The card did not open the screens; ``why`` and, for a wrong PIN, the tries left."""

    def __init__(self, why: CardRefusal, tries_left: int = -1) -> None:
        """Say why."""
        super().__init__(why.value)
        self.why, self.tries_left = why, tries_left


@runtime_checkable
class TechnicianProver(Protocol):
    """A reader that can ask a technician card to prove itself (drivers.cardreader.pcsc.reader.PcscReader)."""

    def technician_proof(self, pin: str, challenge: bytes) -> tuple[bytes, bytes]:
        """Return the card's certificate and its signature over ``challenge`` once ``pin`` is verified."""
        ...


def issuing_ca(chain_file: Path) -> x509.Certificate | None:
    """Return the fleet's issuing CA from the pinned chain (None: the terminal is not enrolled)."""
    try:
        return x509.load_pem_x509_certificates(chain_file.read_bytes())[0]
    except (OSError, ValueError, IndexError):
        return None


def sign_in(reader: object, ca: x509.Certificate | None, pin: str, store: Store,
            now: Callable[[], datetime] = lambda: datetime.now(UTC), *, crl_file: Path | None = None) -> str:
    """Return the technician's id once the card on ``reader`` proves itself (CardRefused otherwise; audited).

    ``crl_file`` is the fleet's revocation list the sync agent keeps (read and checked again at each card).
    """
    try:
        technician = _proved(reader, ca, pin, now, crl_file)
    except CardRefused as refused:
        store.record_event(CARD_REFUSED, "warning", {"why": refused.why.value})
        raise
    audit(store, "entered_card", technician=technician)
    return technician


def _proved(reader: object, ca: x509.Certificate | None, pin: str, now: Callable[[], datetime],
            crl_file: Path | None) -> str:
    """Ask the card to prove itself and check its proof."""
    if not isinstance(reader, TechnicianProver):
        raise CardRefused(CardRefusal.NO_READER)
    if ca is None:
        raise CardRefused(CardRefusal.NOT_CONFIGURED)
    revocations = _revocations(crl_file, ca)  # before the card is asked: an unusable list costs no PIN try
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    try:
        certificate, signature = reader.technician_proof(pin, challenge)
        return verify(certificate, signature, challenge, ca, now(), crl=revocations)
    except WrongCardPin as wrong:
        raise CardRefused(CardRefusal.WRONG_PIN, wrong.tries_left) from None
    except CardPinBlocked:
        raise CardRefused(CardRefusal.BLOCKED) from None
    except NotATechnicianCard:
        raise CardRefused(CardRefusal.NOT_A_CARD) from None
    except TechnicianCardRevoked:
        raise CardRefused(CardRefusal.REVOKED) from None
    except TechnicianCardError:
        raise CardRefused(CardRefusal.INVALID) from None
    except CardReaderError:
        raise CardRefused(CardRefusal.NO_CARD) from None


def _revocations(crl_file: Path | None, ca: x509.Certificate) -> x509.CertificateRevocationList | None:
    """Return the revocation list the sync agent keeps (None: it has none yet); one that cannot be used refuses."""
    if crl_file is None or not crl_file.exists():
        return None
    held = crl.held(crl_file, ca)
    if held is None:  # damaged or replaced: accepting every card would let a revoked one through
        raise CardRefused(CardRefusal.CRL_UNUSABLE)
    return held
