"""Use case: read the citizen's card (waiting for it while they are still there) and decide whether it can be used."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from domain.catalog import Offering
from domain.identity import DocumentType, Identity, ProblemCode
from domain.text import Text
from drivers.cardreader.errors import CardLifted, CardReaderError, NoCard, ReaderUnavailable
from drivers.cardreader.port import CardReader

WAIT_S = 20  # seconds of one wait for a card; the citizen can always try again

EXPIRED = Text(
    "您的证件已过期,本事项需要有效证件,请到窗口办理或先换领证件。",
    "Your identity document has expired. This service needs a valid one: please go to a window, "
    "or renew the document first.",
)
NOT_READ = Text("证件信息无法识别,请到窗口办理。", "The card's data cannot be read. Please go to a service window.")


def refusal(identity: Identity, offering: Offering) -> Text | None:
    """Return why this identity cannot start this application, or None when it can.

    Card data is authoritative: other problems are shown to the citizen, never used to turn
    them away. A bank card is not an identity document; it only pre-fills what it has.
    """
    if identity.document_type is DocumentType.UNKNOWN:
        return NOT_READ
    if offering.requires_valid_id and identity.has(ProblemCode.EXPIRED):
        return EXPIRED
    return None


class ReadProblem(Enum):
    """Why no identity came from the reader, in the terms the citizen is told."""

    NO_CARD = "no_card"  # nothing on the reader in time, or the citizen left
    LIFTED = "lifted"  # the card moved while it was read
    UNREADABLE = "unreadable"  # the card or the reader's answer could not be decoded
    READER_DOWN = "reader_down"  # the reader cannot be reached


class CardNotRead(Exception):
    """No identity was read; ``problem`` says why."""

    def __init__(self, problem: ReadProblem) -> None:
        """Remember the problem (no card data is ever in the message)."""
        super().__init__(problem.value)
        self.problem = problem


def read_card(reader: CardReader, wanted: Callable[[], bool], wait_s: int = WAIT_S) -> Identity:
    """Wait up to ``wait_s`` seconds for a card and read it; raise CardNotRead.

    The wait is in one-second slices and stops as soon as ``wanted()`` is false (the citizen
    left the screen), so an abandoned wait cannot take the next citizen's card.
    """
    try:
        for _ in range(wait_s):
            if not wanted():
                break
            if reader.wait_for_card(1.0):
                return reader.read_identity()
    except NoCard:
        raise CardNotRead(ReadProblem.NO_CARD) from None
    except CardLifted:
        raise CardNotRead(ReadProblem.LIFTED) from None
    except ReaderUnavailable:
        raise CardNotRead(ReadProblem.READER_DOWN) from None
    except CardReaderError:
        raise CardNotRead(ReadProblem.UNREADABLE) from None
    raise CardNotRead(ReadProblem.NO_CARD)
