"""The citizen's journey through real widgets under Xvfb: simulated card reader, printer emulator, encrypted store."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.store import database as db
from kiosk.store.models import ApplicationRow, RatingRow
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import ID_NUMBER, NAME, option, to_form


def test_the_full_journey_stores_encrypted_prints_and_rates(kiosk: Driver) -> None:
    to_form(kiosk)
    shown = "\n".join(kiosk.texts())
    assert "张*丰" in shown
    assert "370303********0012" in shown
    assert NAME not in shown
    assert ID_NUMBER not in shown
    kiosk.tap("是我本人，继续")
    kiosk.reader.simulator.lift()  # the citizen takes the card: normal, the session goes on
    assert kiosk.screen == "form"
    kiosk.tap("下一步")  # applicant: all from the card
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    kiosk.tap("点此输入")
    for digit in "1380013800":
        kiosk.tap(digit)
    kiosk.tap("下一步")
    assert any("手机号为11位数字" in t for t in kiosk.texts())  # the domain's message, under the field
    kiosk.tap("0")
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "insurance.card_bank", "ccb"))
    kiosk.tap("下一步")
    kiosk.tap("我确认", partial=True)
    kiosk.tap("下一步")
    assert kiosk.screen == "review"
    review = "\n".join(kiosk.texts())
    assert "13800138000" in review
    assert ID_NUMBER not in review
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    number = kiosk.app.session.application.number
    assert number in kiosk.texts()
    printed = "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")
    assert number in printed
    assert "张*丰" in printed
    with db.read(kiosk.store.engine) as conn:
        rows = conn.execute(select(ApplicationRow.number, ApplicationRow.content)).all()
    assert [r.number for r in rows] == [number]
    assert NAME.encode() not in rows[0].content  # encrypted at rest
    assert kiosk.store.application_content(str(kiosk.app.session.application.id))["values"][
        "contact.phone"] == "13800138000"
    kiosk.tap("评价本次服务")
    kiosk.tap("不满意")
    kiosk.tap("等待时间长")
    kiosk.tap("提交评价")
    assert kiosk.screen == "home"
    assert kiosk.app.session is None
    kiosk.until(lambda: _ratings(kiosk) == [(2, number)], what="the rating stored")


def _ratings(kiosk: Driver) -> list[tuple[int, str]]:
    """Return the stored ratings with the number of the application they rate."""
    with db.read(kiosk.store.engine) as conn:
        rows = conn.execute(select(RatingRow.level, ApplicationRow.number)
                            .join(ApplicationRow, ApplicationRow.id == RatingRow.application_id)).all()
    return [(r.level, r.number) for r in rows]
