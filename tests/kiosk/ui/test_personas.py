"""Citizens with every kind of card, each walked by touch from home to a printed receipt (or to staff, in words)."""

from __future__ import annotations

import pytest
from kivy.uix.button import Button
from sqlalchemy import select

from drivers.cardreader.simulator import SAMPLE_CARDS
from kiosk.store import database as db
from kiosk.store import health
from kiosk.store.models import HelpRequestRow
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import CONFIRM, field, past_the_applicant, to_form, type_pinyin


def printed(kiosk: Driver) -> str:
    """Return the text the printer emulator printed."""
    return "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")


def finish_social_security_card(kiosk: Driver) -> str:
    """From the applicant page of 社会保障卡申领 to the printed receipt; return the printed text."""
    kiosk.tap("下一步")
    assert kiosk.app.manager.get_screen("form").problems == {}, kiosk.texts()
    past_the_applicant(kiosk)
    assert kiosk.screen == "review"
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    text = printed(kiosk)
    number = kiosk.app.session.application.number
    assert number in text
    assert "社会保障卡申领" in text
    return text


def test_an_elderly_resident_with_a_card_valid_for_life(kiosk: Driver) -> None:
    to_form(kiosk, "SB-001", "li")
    assert "李*英" in "\n".join(kiosk.texts())
    kiosk.tap(CONFIRM)
    assert kiosk.app.session.answers["applicant.nation"] == "回"
    text = finish_social_security_card(kiosk)
    assert "李*英" in text
    assert "李秀英" not in text
    assert "371502195203080029" not in text


@pytest.mark.parametrize(("card", "masked"), [("foreigner-2017", "申请人：史*翰"), ("foreigner-2023", "申请人：M***-L***, A***")])
def test_a_foreign_permanent_resident_types_an_address_and_is_not_asked_an_ethnic_group(
        kiosk: Driver, card: str, masked: str) -> None:
    to_form(kiosk, "SB-001", card)
    kiosk.tap(CONFIRM)
    shown = "\n".join(kiosk.texts())
    assert "外国人永久居留身份证" in shown
    assert "国籍" in shown
    assert "民族" not in shown
    kiosk.touch(field(kiosk, "住址", Button))
    type_pinyin(kiosk, [("lcs", "聊城市"), ("dongchangfuqu", "东昌府区"), ("shili", "示例"), ("lu", "路")])
    answers = kiosk.app.session.answers
    assert answers["applicant.address"] == "聊城市东昌府区示例路"
    assert answers["applicant.document_type"] == "permanent_residence"
    text = finish_social_security_card(kiosk)
    assert masked in text
    assert "SMITH" not in text
    assert "MUELLER" not in text


def test_a_hong_kong_resident_with_a_residence_permit(kiosk: Driver) -> None:
    to_form(kiosk, "SB-001", "permit")
    kiosk.tap(CONFIRM)
    shown = "\n".join(kiosk.texts())
    assert "港澳台居民居住证" in shown
    assert "民族" not in shown
    text = finish_social_security_card(kiosk)
    assert "陈*文" in text


def test_a_card_with_a_bad_check_digit_is_sent_to_staff_in_words(kiosk: Driver) -> None:
    to_form(kiosk, "SB-001", "bad-check")
    message = kiosk.app.manager.get_screen("identify").ids.message.text
    assert "校验" in message
    assert "人工服务窗口" in message
    assert kiosk.app.manager.get_screen("identify").ids.confirm.disabled
    assert kiosk.app.session.identity is None
    kiosk.until(lambda: health.activity(kiosk.store, "2000-01-01T00:00:00+00:00").cards_refused_today == 1,
                what="the refusal recorded for ops")
    [event] = kiosk.store.events("card_refused")
    assert event["detail"] == {"code": "bad_check_digit", "field": "id_number", "document": "resident_id",
                               "item": "SB-001"}
    kiosk.tap("English")  # the refusal stays, in the citizen's language
    message = kiosk.app.manager.get_screen("identify").ids.message.text
    assert "fails its check" in message
    assert "tap Call staff" in message
    kiosk.tap("Call staff")
    kiosk.until(lambda: _help_requests(kiosk) == ["identify"], what="the help request stored")
    kiosk.tap("中文")
    kiosk.tap("重新读卡")  # another card: the old words go, the reader waits
    assert kiosk.app.manager.get_screen("identify").ids.message.text == "请将身份证件放在感应区。"
    kiosk.reader.simulator.place(SAMPLE_CARDS["zhang"])
    kiosk.until(lambda: not kiosk.app.manager.get_screen("identify").ids.confirm.disabled, what="the second card")
    kiosk.tap(CONFIRM)
    assert kiosk.screen == "form"


def _help_requests(kiosk: Driver) -> list[str]:
    """Return the screens help was called from."""
    with db.read(kiosk.store.engine) as conn:
        return [row.screen for row in conn.execute(select(HelpRequestRow.screen))]
