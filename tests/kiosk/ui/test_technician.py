"""The technician's way in, by touch: five taps in the top-left corner, the PIN keypad, its lockout, the screen."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch

from domain.passwords import hash_secret
from tests.kiosk.ui.driver import Driver

PIN = "482915"


def _corner_taps(kiosk: Driver, count: int = 5) -> None:
    """Tap the window's top-left corner ``count`` times, as a technician does."""
    for _ in range(count):
        touch = UnitTestTouch(8, Window.height - 8)
        touch.touch_down()
        touch.touch_up()
        kiosk.frames(1)
    kiosk.frames(2)


def _type(kiosk: Driver, pin: str) -> None:
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
    _corner_taps(kiosk, 4)
    assert kiosk.screen == "home"
    _corner_taps(kiosk, 1)
    assert kiosk.screen == "technician_pin"
    for digit in "4829":
        kiosk.tap(digit)
    assert "●●●●" in kiosk.texts()
    assert not [t for t in kiosk.texts() if "4829" in t]  # the digits are never shown


def test_wrong_pins_lock_the_keypad_and_the_right_one_is_refused_while_locked(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    _corner_taps(kiosk)
    for _ in range(4):
        _type(kiosk, "111111")
        assert "密码错误。" in kiosk.texts()
    _type(kiosk, "111111")  # the fifth wrong try locks the keypad for a minute
    assert [t for t in kiosk.texts() if t.startswith("密码错误次数过多，已锁定至")]
    _type(kiosk, PIN)
    assert kiosk.screen == "technician_pin"
    assert [t for t in kiosk.texts() if t.startswith("密码错误次数过多，已锁定至")]
    assert _kinds(kiosk).count("technician_pin_failed") == 5
    assert "technician_pin_accepted" not in _kinds(kiosk)
    assert not [e for e in kiosk.store.events() if PIN in str(e["detail"]) or "111111" in str(e["detail"])]


def test_the_right_pin_opens_the_screen_and_exit_goes_home_audited(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    kiosk.store.record_event("printer_jam", "warning", {"code": "paper_jam"})
    _corner_taps(kiosk)
    _type(kiosk, PIN)
    assert kiosk.screen == "technician"
    texts = kiosk.texts()
    assert "等待中心确认：0 条" in texts
    assert [t for t in texts if t.endswith("  printer_jam")]
    kiosk.tap("退出")
    assert kiosk.screen == "home"
    assert _kinds(kiosk)[-3:] == ["technician_pin_accepted", "entered", "exited"]


def test_an_idle_technician_screen_goes_back_home(kiosk: Driver) -> None:
    kiosk.app.kiosk.technician_pin_hash = hash_secret(PIN)
    _corner_taps(kiosk)
    _type(kiosk, PIN)
    assert kiosk.screen == "technician"
    kiosk.app.last_touch -= kiosk.app.kiosk.idle.timeout_s + 1
    kiosk.until(lambda: kiosk.screen == "home", what="home after the idle timeout")
    assert _kinds(kiosk)[-1] == "idle_exit"
