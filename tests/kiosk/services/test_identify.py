"""Which card problems turn a citizen away: only an expired document where the item needs a valid one."""

from __future__ import annotations

from domain.identity import DocumentType, Identity, Problem, ProblemCode
from kiosk.services.identify import EXPIRED, refusal
from tests.domain.samples import CATALOG

EXPIRED_CARD = Identity(DocumentType.RESIDENT_ID, name="王小明", problems=(Problem(ProblemCode.EXPIRED),))
ODD_AREA = Identity(DocumentType.RESIDENT_ID, name="李秀英", problems=(Problem(ProblemCode.UNKNOWN_AREA_CODE),))


def test_an_expired_card_is_refused_only_where_the_item_needs_a_valid_one() -> None:
    assert CATALOG.items["GJJ-001"].requires_valid_id
    assert refusal(EXPIRED_CARD, CATALOG.offering("GJJ-001")) == EXPIRED
    assert not CATALOG.items["SB-001"].requires_valid_id
    assert refusal(EXPIRED_CARD, CATALOG.offering("SB-001")) is None


def test_other_problems_never_turn_anyone_away() -> None:
    assert refusal(ODD_AREA, CATALOG.offering("GJJ-001")) is None


def test_a_bundle_needs_a_valid_card_if_any_of_its_items_does() -> None:
    offering = CATALOG.offering("YJS-003")  # retirement: includes the housing fund withdrawal on retirement
    assert offering.requires_valid_id == any(i.requires_valid_id for i in offering.items)


def test_a_bank_card_holder_is_not_refused_and_an_unreadable_card_is() -> None:
    holder = Identity(DocumentType.BANK_CARD_HOLDER, name="ZHANG/SANFENG")
    assert refusal(holder, CATALOG.offering("GJJ-001")) is None
    assert refusal(Identity(DocumentType.UNKNOWN), CATALOG.offering("SB-001")) is not None
