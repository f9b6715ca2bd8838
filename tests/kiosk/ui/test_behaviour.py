"""What happens off the happy path: expired card, paper out at submit, idle timeout, a declined notice,
calling staff, and a terminal that stops taking applications and recovers by itself."""

from __future__ import annotations

import gc
import time
import weakref

from sqlalchemy import func, select

from drivers.status import PaperState
from kiosk.store import database as db
from kiosk.store.models import ApplicationRow, HelpRequestRow
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import ID_NUMBER, NAME, to_form, to_review

PERSONAL = (NAME, "张*丰", ID_NUMBER, "370303********0012", "13800138000", "淄博市张店区")


def _count(kiosk: Driver, table: type) -> int:
    with db.read(kiosk.store.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_expired_card_is_turned_away_only_where_a_valid_one_is_needed(kiosk: Driver) -> None:
    to_form(kiosk, "GJJ-001", card="expired")
    assert any("证件已过期" in t for t in kiosk.texts())
    assert kiosk.find("重新读卡")
    assert kiosk.app.session.identity is None
    kiosk.tap("返回")
    to_form(kiosk, "SB-001", card="expired")  # this item accepts an expired card
    assert any("王*明" in t for t in kiosk.texts())


def test_paper_out_at_submit_keeps_the_application_and_says_how_to_get_the_receipt(kiosk: Driver) -> None:
    to_review(kiosk)
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.tap("提交")
    kiosk.until(lambda: any("回执未能打印" in t for t in kiosk.texts()), what="the printing failure explained")
    number = kiosk.app.session.application.number
    assert any(number in t for t in kiosk.texts())
    assert _count(kiosk, ApplicationRow) == 1  # stored before printing
    kiosk.printer.emulator.state.paper = PaperState.FULL
    kiosk.tap("重新打印")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the reprint")
    assert _count(kiosk, ApplicationRow) == 1  # printing again never submits again


def test_idle_timeout_mid_form_wipes_every_widget_and_drops_the_session(kiosk: Driver) -> None:
    to_review(kiosk)
    kiosk.tap("返回")
    assert kiosk.screen == "form"
    session = weakref.ref(kiosk.app.session)
    kiosk.app.last_touch -= kiosk.app.kiosk.settings.idle_timeout_s + 1
    kiosk.until(lambda: kiosk.app.idle_warning, what="the warning")
    kiosk.tap("继续办理")  # the citizen is still there
    assert not kiosk.app.idle_warning
    assert kiosk.screen == "form"
    settings = kiosk.app.kiosk.settings
    kiosk.app.last_touch -= settings.idle_timeout_s + 1
    kiosk.until(lambda: kiosk.app.idle_warning, what="the warning again")
    assert 0 < kiosk.app.countdown <= settings.warning_s
    kiosk.app.last_touch -= settings.warning_s
    kiosk.until(lambda: kiosk.screen == "home", what="the wipe")
    kiosk.frames(3)
    shown = "\n".join(kiosk.texts())
    assert not [p for p in PERSONAL if p in shown]
    gc.collect()
    assert session() is None  # nothing holds the citizen's session any more


def test_declining_the_notice_reads_nothing_and_goes_home(kiosk: Driver) -> None:
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    kiosk.tap("开始办理")
    kiosk.tap("不同意，返回")
    assert kiosk.screen == "home"
    assert kiosk.app.session is None


def test_calling_staff_stores_a_help_request_and_keeps_the_session(kiosk: Driver) -> None:
    to_form(kiosk)
    kiosk.tap("呼叫帮办")
    assert kiosk.app.root.ids.help_message.text == "已呼叫工作人员，请稍候，马上为您服务。"
    kiosk.until(lambda: _count(kiosk, HelpRequestRow) == 1, what="the help request stored")
    assert kiosk.screen == "identify"
    assert kiosk.app.session is not None
    assert kiosk.app.help_coming  # until staff come or the session ends (tests/kiosk/ui/test_screens.py)


def test_paper_out_stops_new_applications_and_the_terminal_recovers_by_itself(kiosk: Driver) -> None:
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="out of service")
    assert any("打印纸已用完" in t for t in kiosk.texts())
    kiosk.tap("查看办事指南")
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    assert kiosk.find("返回")
    assert all(b.disabled for b in kiosk.widgets() if getattr(b, "text", "") == "开始办理")  # guides only
    kiosk.tap("返回")
    assert kiosk.screen == "out_of_service"
    kiosk.printer.emulator.state.paper = PaperState.FULL
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "home", what="back in service")


def test_an_untouched_home_screen_cycles_tips_and_a_touch_stops_it(kiosk: Driver) -> None:
    title = kiosk.app.manager.get_screen("home").ids.title
    assert title.text == "请选择要办理的事项"
    kiosk.app.last_touch -= 40
    kiosk.until(lambda: title.text != "请选择要办理的事项", timeout=8, what="the attract loop")
    assert title.text in {"24小时自助办理，随到随办", "刷身份证自动填写，不用手抄表格", "一件事一次办：多个事项一张表",
                          "支持拼音搜索：输入 SBK 找社保卡", "需要帮助？请点右上角“呼叫帮办”"}
    kiosk.tap("社会保障", partial=True)
    assert title.text == "请选择要办理的事项"


def test_device_changes_are_recorded_for_telemetry_and_reach_the_screen_without_a_check(kiosk: Driver) -> None:
    from kiosk.store.models import DeviceStatusRow

    kiosk.until(lambda: _count(kiosk, DeviceStatusRow) >= 2, what="both devices' first snapshots recorded")
    poller = kiosk.app.kiosk.devices.pollers["printer"]
    poller.interval = 0.2  # the poller finds the change by itself; no one calls check_devices()
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="out of service from the poller's event")
    with db.read(kiosk.store.engine) as conn:
        states = conn.execute(select(DeviceStatusRow.device, DeviceStatusRow.state)
                              .order_by(DeviceStatusRow.id)).all()
    assert ("printer", "user_error") in [(r.device, r.state) for r in states]


def test_a_read_the_citizen_left_does_not_take_the_next_citizens_card(kiosk: Driver) -> None:
    to_form(kiosk, card="zhang")
    kiosk.tap("返回")  # citizen A leaves at the identify screen (the card was read)
    kiosk.reader.simulator.lift()
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    kiosk.tap("开始办理")
    kiosk.tap("同意并继续")
    kiosk.app.end_session()  # ... and citizen B's first try is abandoned too, while it waits for a card
    kiosk.frames(3)

    time.sleep(1.5)  # the abandoned wait notices within a second
    to_form(kiosk, card="li")  # citizen C's card is read by C's own read
    assert any("李*英" in t for t in kiosk.texts())


def test_home_finds_services_by_pinyin_initials_typed_on_its_keys(kiosk: Driver) -> None:
    for letter in "SBK":
        kiosk.tap(letter)
    assert kiosk.app.manager.get_screen("home").query == "SBK"
    found = [t for t in kiosk.texts() if "社会保障卡" in t]
    assert found, kiosk.texts()
    kiosk.tap("←")
    assert kiosk.app.manager.get_screen("home").query == "SB"
    kiosk.tap(found[0])
    assert kiosk.screen == "guide"
