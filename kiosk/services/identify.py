"""Use case: decide whether an identity read from a card can be used for an offering."""

from __future__ import annotations

from domain.catalog import Offering
from domain.identity import DocumentType, Identity, ProblemCode
from domain.text import Text

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
