"""Use case: read the citizen's card (waiting for it while they are still there) and decide whether it can be used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from domain.catalog import Offering
from domain.identity import DOCUMENT_NAMES, DocumentType, Identity, ProblemCode
from domain.text import Text
from drivers.cardreader.errors import CardLifted, CardReaderError, NoCard, ReaderUnavailable
from drivers.cardreader.port import CardReader

if TYPE_CHECKING:
    from kiosk.store.store import Store

WAIT_S = 20  # seconds of one wait for a card; the citizen can always try again

STAFF = Text("请到人工服务窗口，或按“呼叫帮办”请工作人员协助。",
             "Please go to a staffed service window, or tap Call staff and a member of staff will come.")


class RefusalCode(StrEnum):
    """Why a card cannot start an application here: recorded for ops (no card data), told in words."""

    UNREADABLE = "unreadable"
    EXPIRED = "expired"
    BAD_CHECK_DIGIT = "bad_check_digit"
    WRONG_DOCUMENT = "wrong_document"
    CARD_DATA = "card_data"  # a value read from the card that the form cannot accept


REASONS = {
    RefusalCode.UNREADABLE: Text("这张证件的信息无法识别。", "The data on this card cannot be read."),
    RefusalCode.EXPIRED: Text("您的证件已过期，本事项需要有效证件，请先换领证件。",
                              "Your identity document has expired. This service needs a valid one: "
                              "please renew the document first."),
    RefusalCode.BAD_CHECK_DIGIT: Text("证件芯片中的号码未通过校验，本机不能使用这张证件，需要工作人员核实。",
                                      "The number stored in the card's chip fails its check, so this terminal "
                                      "cannot use the card: a member of staff needs to check it."),
    RefusalCode.WRONG_DOCUMENT: Text("本事项在本机只能凭{names}办理。",
                                     "At this terminal, this service needs {names}."),
    RefusalCode.CARD_DATA: Text("证件上的部分信息本机无法使用，需要工作人员核实。",
                                "Some of the data on the card cannot be used by this terminal: a member of staff "
                                "needs to check it."),
}


@dataclass(frozen=True)
class Refusal:
    """Why an identity cannot start this application: a code for ops and words for the citizen."""

    code: RefusalCode
    field: str = ""  # the form field concerned (a key, never its value)
    accepted: tuple[DocumentType, ...] = ()  # the documents the item takes (a wrong document)

    @property
    def text(self) -> Text:
        """Return what the citizen is told: what is wrong, and where to go."""
        reason = REASONS[self.code]
        names = [DOCUMENT_NAMES[d] for d in self.accepted]
        zh = reason.zh.format(names="或".join(n.zh for n in names))
        en = reason.en.format(names=" or ".join(n.en for n in names))
        return Text(zh + STAFF.zh, f"{en} {STAFF.en}")


def refusal(identity: Identity, offering: Offering) -> Refusal | None:
    """Return why this identity cannot start this application, or None when it can.

    Decided here, at the card, so that no citizen ever reaches a form they cannot pass: card
    fields are read-only. An unknown area code is not a reason (areas are renamed); a bank card
    is not an identity document and only pre-fills what it has.
    """
    if identity.document_type is DocumentType.UNKNOWN:
        return Refusal(RefusalCode.UNREADABLE)
    if identity.has(ProblemCode.BAD_CHECK_DIGIT):
        return Refusal(RefusalCode.BAD_CHECK_DIGIT, "id_number")
    if identity.document is not None and identity.document not in offering.documents:
        return Refusal(RefusalCode.WRONG_DOCUMENT, accepted=tuple(d for d in DocumentType if d in offering.documents))
    if offering.requires_valid_id and identity.has(ProblemCode.EXPIRED):
        return Refusal(RefusalCode.EXPIRED)
    return None


def record_refusal(store: Store, item: str, identity: Identity, refused: Refusal) -> None:
    """Record for ops why a card was turned away: the reason, the document kind and the item, never card data."""
    from kiosk.store.health import CARD_REFUSED  # noqa: PLC0415 - SQLAlchemy stays off the kiosk's first frame

    store.record_event(CARD_REFUSED, "warning", {
        "code": refused.code.value, "field": refused.field, "document": identity.document_type.value, "item": item})


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
