"""The technician's way in, by touch: five taps in the top-left corner, the PIN keypad, its lockout, the screen."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from domain.passwords import hash_secret
from drivers.status import PaperState
from kiosk.services.technician import ACCEPTED, CARD_REFUSED, FAILED
from kiosk.services.technician_access import ACTIONS
from kiosk.store.models import HelpRequestRow
from protocol.heartbeat import TECHNICIAN_ACTIONS
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import ID_NUMBER, NAME, option, to_form

PIN = "482915"


def corner_taps(kiosk: Driver, count: int = 5) -> None:
    """Tap the window's top-left corner ``count`` times, as a technician does."""
    for _ in range(count):
        touch = UnitTestTouch(8, Window.height - 8)
        touch.touch_down()
        touch.touch_up()
        kiosk.frames(1)
    kiosk.frames(2)


def type_pin(kiosk: Driver, pin: str) -> None:
    """Type ``pin`` on the keypad and confirm it."""
    for digit in pin:
        kiosk.tap(digit)
    kiosk.tap("确定")


def _kinds(kiosk: Driver) -> list[object]:
    """Return the technician's audited actions and PIN events, oldest first."""
    return [e["detail"].get("action", e["kind"]) for e in kiosk.store.events()
            if e["kind"].startswith("technician")]


def test_four_taps_do_nothing_and_five_open_the_masked_keypad(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk, 4)
    assert kiosk.screen == "home"
    corner_taps(kiosk, 1)
    assert kiosk.screen == "technician_pin"
    for digit in "4829":
        kiosk.tap(digit)
    assert "●●●●" in kiosk.texts()
    assert not [t for t in kiosk.texts() if "4829" in t]  # the digits are never shown


def test_wrong_pins_lock_the_keypad_and_the_right_one_is_refused_while_locked(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    for _ in range(4):
        type_pin(kiosk, "111111")
        assert "密码错误。" in kiosk.texts()
    type_pin(kiosk, "111111")  # the fifth wrong try locks the keypad for a minute
    assert [t for t in kiosk.texts() if t.startswith("密码错误次数过多，已锁定至")]
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician_pin"
    assert [t for t in kiosk.texts() if t.startswith("密码错误次数过多，已锁定至")]
    assert _kinds(kiosk).count("technician_pin_failed") == 5
    assert "technician_pin_accepted" not in _kinds(kiosk)
    assert not [e for e in kiosk.store.events() if PIN in str(e["detail"]) or "111111" in str(e["detail"])]


def test_the_right_pin_opens_the_screen_and_exit_goes_home_audited(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.store.record_event("printer_jam", "warning", {"code": "paper_jam"})
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician"
    texts = kiosk.texts()
    assert [t for t in texts if t.startswith("等待中心确认：0 条")]
    assert [t for t in texts if t.endswith("  printer_jam")]
    kiosk.tap("退出")
    assert kiosk.screen == "home"
    assert _kinds(kiosk)[-3:] == ["technician_pin_accepted", "entered", "exited"]


def test_an_idle_technician_screen_goes_back_home(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician"
    kiosk.app.last_touch -= kiosk.app.kiosk.idle.timeout_s + 1
    kiosk.until(lambda: kiosk.screen == "home", what="home after the idle timeout")
    assert _kinds(kiosk)[-1] == "idle_exit"


def test_out_of_paper_the_technician_loads_a_roll_and_prints_a_test_page(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="out of service for want of paper")
    corner_taps(kiosk)  # the gesture works on the out-of-service screen too
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician"
    kiosk.printer.emulator.state.paper = PaperState.FULL  # the new roll is in
    kiosk.tap("已换纸")
    kiosk.until(lambda: kiosk.app.availability.can_apply, what="paper state read again")
    kiosk.tap("打印测试页")
    kiosk.until(lambda: "测试页已打印。" in kiosk.texts(), what="the test page printed")
    printed = "\n".join(i.text for i in kiosk.printer.emulator.items if i.kind == "text")
    assert "打印测试页" in printed
    assert f"终端 {kiosk.app.kiosk.terminal_id}" in printed
    kiosk.tap("退出")
    assert kiosk.screen == "home"
    assert _kinds(kiosk)[-4:] == ["entered", "paper_replaced", "test_page", "exited"]


def test_a_test_page_into_an_empty_printer_is_said_and_the_screen_stays(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service")
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    kiosk.tap("打印测试页")
    kiosk.until(lambda: [t for t in kiosk.texts() if t.startswith("测试页未能打印：")], what="the failure said")
    assert kiosk.screen == "technician"


def test_the_screen_never_shows_an_application_s_content(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    to_form(kiosk)
    kiosk.tap("是我本人，继续")
    kiosk.reader.simulator.lift()
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    kiosk.tap("点此输入")
    for digit in "13800138000":
        kiosk.tap(digit)
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "insurance.card_bank", "ccb"))
    kiosk.tap("下一步")
    kiosk.tap("我确认", partial=True)
    kiosk.tap("下一步")
    kiosk.tap("提交")
    kiosk.until(lambda: "请取走您的回执。" in kiosk.texts(), what="the receipt printed")
    number = kiosk.app.session.application.number
    corner_taps(kiosk)
    assert kiosk.screen != "technician_pin"  # never during a session
    kiosk.app.end_session()  # as the idle timeout does
    corner_taps(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.screen == "technician"
    shown = "\n".join(kiosk.texts())
    assert "等待中心确认：1 条，最早的已等 0 分钟" in shown  # the application is counted ...
    for personal in (number, "13800138000", ID_NUMBER, NAME, "张*丰"):
        assert personal not in shown  # ... and nothing of it is shown


def test_the_technician_screens_have_no_call_staff_button_and_home_has_it_again(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    assert kiosk.find("呼叫帮办")
    corner_taps(kiosk)
    for screen in ("technician_pin", "technician"):
        assert kiosk.screen == screen
        button = kiosk.app.root.ids.call_staff
        assert (button.opacity, button.disabled) == (0, True)
        kiosk.touch(button)  # a touch where it was does nothing
        assert kiosk.store.count(HelpRequestRow) == 0
        if screen == "technician_pin":
            type_pin(kiosk, PIN)
    assert not kiosk.app.help_coming
    kiosk.tap("退出")
    assert kiosk.find("呼叫帮办")


def test_every_action_the_terminal_audits_is_one_central_takes_into_its_audit_log() -> None:
    assert {*ACTIONS, FAILED, ACCEPTED, CARD_REFUSED, "maintenance_on", "maintenance_off"} == TECHNICIAN_ACTIONS
