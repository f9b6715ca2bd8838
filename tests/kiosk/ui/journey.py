"""The steps of a citizen's journey that several UI tests walk: home to the form, and the form to the review."""

from __future__ import annotations

from datetime import date
from typing import Any

from kivy.uix.button import Button

from drivers.cardreader.simulator import SAMPLE_CARDS
from kiosk.ui.inputs.chinese import ChineseKeyboard
from kiosk.ui.inputs.datepicker import DatePicker
from kiosk.ui.inputs.keys import KeyCap
from kiosk.ui.widgets import Title
from tests.kiosk.ui.driver import Driver

NAME, ID_NUMBER = "张三丰", "370303198505120012"
CONFIRM = "是我本人，继续"  # the identify screen's button once the card is read


def to_form(kiosk: Driver, code: str = "SB-001", card: str = "zhang") -> None:
    """From home through the guide, the notice and the card, to the form's first group."""
    app = kiosk.app
    offering = app.kiosk.catalog.offering(code)
    category = offering.items[0].category if offering.kind == "item" else None
    if category is None:
        kiosk.tap("一件事一次办")
    else:
        from domain.catalog import CATEGORY_NAMES

        kiosk.tap(CATEGORY_NAMES[category].zh, partial=True)
    kiosk.tap(offering.name.zh)
    assert kiosk.screen == "guide"
    kiosk.tap("开始办理")
    kiosk.tap("同意并继续")
    assert kiosk.screen == "identify"
    assert "请将身份证件放在感应区。" in kiosk.texts()
    kiosk.reader.simulator.place(SAMPLE_CARDS[card])
    screen = kiosk.app.manager.get_screen("identify")
    kiosk.until(lambda: not screen.ids.retry.disabled, what="the card read (or refused)")


def option(kiosk: Driver, key: str, value: str) -> str:
    """Return the Chinese label of a choice."""
    session = kiosk.app.session
    label = session.offering.field(key).option_label(value)
    return str(label.zh)


def to_review(kiosk: Driver) -> None:
    """Fill SB-001 as the journey does, up to the review."""
    to_form(kiosk)
    kiosk.tap(CONFIRM)
    kiosk.tap("下一步")
    past_the_applicant(kiosk)


def past_the_applicant(kiosk: Driver) -> None:
    """Answer SB-001's pages after the applicant's (collect at the window, a phone, a bank, consent) to the review."""
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    key_in(kiosk, "联系电话", "13800138000")
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "insurance.card_bank", "ccb"))
    kiosk.tap("下一步")
    kiosk.tap("我确认", partial=True)
    kiosk.tap("下一步")


def field(kiosk: Driver, label: str, kind: type) -> Any:
    """Return the widget of ``kind`` belonging to the form field labelled ``label``."""
    for widget in kiosk.widgets():
        if isinstance(widget, kind) and not isinstance(widget, Title):
            box = widget.parent
            for _ in range(2):
                if box is None:
                    break
                if any(isinstance(c, Title) and c.text.startswith(label) for c in box.children):
                    return widget
                box = box.parent
    raise AssertionError(f"no {kind.__name__} for {label!r}: {kiosk.texts()}")


def key_in(kiosk: Driver, label: str, digits: str) -> None:
    """Open a field's keypad and type ``digits``."""
    kiosk.touch(field(kiosk, label, Button))
    for digit in digits:
        kiosk.tap(digit)


def pick_date(kiosk: Driver, label: str, wanted: str) -> None:
    """Open a date field's picker and choose ``wanted`` (YYYY-MM-DD): the decade, the year, the month, the day."""
    kiosk.touch(field(kiosk, label, Button))
    picker = next(w for w in kiosk.widgets() if isinstance(w, DatePicker))
    chosen = date.fromisoformat(wanted)

    def key(text: str) -> Any:
        return next(b for b in picker.rows.walk() if isinstance(b, Button) and b.text == text)
    while not any(isinstance(b, Button) and b.text == str(chosen.year) for b in picker.rows.walk()):
        kiosk.touch(key("◀" if chosen.year < picker.decade else "▶"))
    for text in (str(chosen.year), str(chosen.month), str(chosen.day)):
        kiosk.touch(key(text))


def keyboard(kiosk: Driver) -> ChineseKeyboard:
    """Return the Chinese keyboard on screen."""
    return next(w for w in kiosk.widgets() if isinstance(w, ChineseKeyboard))


def tap_key(kiosk: Driver, label: str) -> None:
    """Touch the keyboard's key (or candidate) labelled ``label``."""
    board = keyboard(kiosk)
    kiosk.touch(next(k for k in board.walk() if isinstance(k, KeyCap) and k.text == label))


def clear_text(kiosk: Driver) -> None:
    """Clear the field as a citizen does: 清空, then 再按一次清空 to confirm."""
    if not keyboard(kiosk).clearing:
        tap_key(kiosk, "清空")
    tap_key(kiosk, "再按一次清空")


def type_pinyin(kiosk: Driver, steps: list[tuple[str, str]]) -> int:
    """Type each step's letters, then pick its word from the candidates (turning pages as needed); return the pages."""
    turned = 0
    for letters, wanted in steps:
        for letter in letters:
            tap_key(kiosk, letter)
        for _ in range(12):
            if any(isinstance(k, KeyCap) and k.text == wanted for k in keyboard(kiosk).bar.children):
                tap_key(kiosk, wanted)
                break
            tap_key(kiosk, "▶")
            turned += 1
        else:
            raise AssertionError(f"{wanted} not offered for {letters}")
    return turned


def write_on_pad(kiosk: Driver, char: str) -> list[str]:
    """Write ``char`` on the handwriting pad with a finger (recorded stroke medians); return the candidates offered."""
    from kivy.tests.common import UnitTestTouch

    from tests.drivers.handwriting.fingers import PAD, draw

    board = keyboard(kiosk)
    pad = board.pad
    assert pad is not None, "the keyboard is not in handwriting mode"
    scale = min(pad.width, pad.height) / PAD
    for stroke in draw(char):
        points = [(pad.x + x * scale, pad.top - y * scale) for x, y in stroke]
        touch = UnitTestTouch(*points[0])
        touch.touch_down()
        for x, y in points[1:]:
            touch.touch_move(x, y)
        touch.touch_up()
        kiosk.frames(1)
    kiosk.until(lambda: pad.answered == pad.asked, what=f"candidates for {char}")
    return list(pad.offered)


def to_business(kiosk: Driver) -> None:
    """Walk 企业开办一件事 to its business questions."""
    to_form(kiosk, "YJS-001")
    kiosk.tap("是我本人，继续")
    kiosk.tap("下一步")
    kiosk.tap(option(kiosk, "delivery.method", "window"))
    kiosk.tap("下一步")
    key_in(kiosk, "联系电话", "13800138000")
    kiosk.tap("下一步")


def answer(kiosk: Driver, key: str) -> str:
    """Return what the session holds for ``key``."""
    return str(kiosk.app.session.answers.get(key) or "")


def in_sight(kiosk: Driver, label: str) -> bool:
    """Return whether the field labelled ``label`` shows whole inside the form's scroll view."""
    button = field(kiosk, label, Button)
    view = kiosk.app.manager.get_screen("form").ids.scroll
    low, top = view.to_window(*view.pos)[1], view.to_window(*view.pos)[1] + view.height
    bottom = button.to_window(button.x, button.y)[1]
    return low - 1 <= bottom and bottom + button.height <= top + 1
