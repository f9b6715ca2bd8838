"""Which card problems turn a citizen away, decided at the card: what the citizen is told and what ops see."""

from __future__ import annotations

from domain.identity import DocumentType, Identity, Problem, ProblemCode
from kiosk.services.identify import Refusal, RefusalCode, refusal
from tests.domain.samples import CATALOG

EXPIRED_CARD = Identity(DocumentType.RESIDENT_ID, name="王小明", problems=(Problem(ProblemCode.EXPIRED),))
ODD_AREA = Identity(DocumentType.RESIDENT_ID, name="李秀英", problems=(Problem(ProblemCode.UNKNOWN_AREA_CODE),))


def test_an_expired_card_is_refused_only_where_the_item_needs_a_valid_one() -> None:
    assert CATALOG.items["GJJ-001"].requires_valid_id
    assert refusal(EXPIRED_CARD, CATALOG.offering("GJJ-001")) == Refusal(RefusalCode.EXPIRED)
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


def test_a_bad_check_digit_is_decided_at_the_card_in_words_that_say_where_to_go() -> None:
    bad = Identity(DocumentType.RESIDENT_ID, name="赵错位", problems=(Problem(ProblemCode.BAD_CHECK_DIGIT, "id_number"),))
    refused = refusal(bad, CATALOG.offering("SB-001"))
    assert refused == Refusal(RefusalCode.BAD_CHECK_DIGIT, "id_number")
    assert "校验" in refused.text.zh
    assert "人工服务窗口" in refused.text.zh
    assert "呼叫帮办" in refused.text.zh
    assert "staffed service window" in refused.text.en


def test_an_item_for_residents_only_turns_other_documents_to_staff() -> None:
    foreigner = Identity(DocumentType.PERMANENT_RESIDENCE, english_name="SMITH, JOHN")
    assert CATALOG.offering("MZ-001").documents == {DocumentType.RESIDENT_ID}
    refused = refusal(foreigner, CATALOG.offering("MZ-001"))
    assert refused == Refusal(RefusalCode.WRONG_DOCUMENT, accepted=(DocumentType.RESIDENT_ID,))
    assert refused.text.zh.startswith("本事项在本机只能凭居民身份证办理。")
    assert refused.text.en.startswith("At this terminal, this service needs a resident ID card.")
    assert refusal(foreigner, CATALOG.offering("SB-001")) is None
    assert refusal(Identity(DocumentType.RESIDENT_ID, name="张三"), CATALOG.offering("MZ-001")) is None


def test_every_refusal_says_what_is_wrong_and_where_to_go_in_both_languages() -> None:
    for code in RefusalCode:
        text = Refusal(code).text
        assert text.zh.endswith("请工作人员协助。")
        assert text.en.endswith("will come.")
        assert "," not in text.zh
        assert "." not in text.zh
