"""What a citizen does besides typing straight on: leaves a field mid-word, switches pages, clears, writes with a palm
on the pad, picks a month before a year; and a kiosk whose pinyin index is damaged still takes text."""

from __future__ import annotations

from pathlib import Path

import pytest
from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button

from kiosk.services.writing import InputEngines
from kiosk.ui.inputs.datepicker import DatePicker
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import answer, field, keyboard, option, tap_key, to_business, type_pinyin, write_on_pad


def test_letters_left_pending_go_into_their_own_field_whichever_way_the_citizen_leaves(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    for letter in "shandong":
        tap_key(kiosk, letter)
    kiosk.touch(field(kiosk, "经营范围", Button))  # another field
    assert answer(kiosk, "business.name") == "山东"
    assert keyboard(kiosk).entry.letters == ""
    for letter in "canyin":
        tap_key(kiosk, letter)
    kiosk.tap(option(kiosk, "business.type", "llc"))  # a choice elsewhere
    assert answer(kiosk, "business.scope") == "餐饮"
    kiosk.touch(field(kiosk, "住所", Button))
    for letter in "liaocheng":
        tap_key(kiosk, letter)
    kiosk.tap("下一步")  # Next, with problems elsewhere on the page
    assert answer(kiosk, "business.address") == "聊城"


def test_abc_keeps_letters_as_typed_and_clearing_takes_a_second_tap(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    type_pinyin(kiosk, [("lc", "聊城")])
    for letter in "ktv":
        tap_key(kiosk, letter)
    tap_key(kiosk, "ABC")
    assert answer(kiosk, "business.name") == "聊城ktv"
    tap_key(kiosk, "清空")
    assert answer(kiosk, "business.name") == "聊城ktv"  # one tap only arms it
    tap_key(kiosk, "再按一次清空")
    assert answer(kiosk, "business.name") == ""


def test_the_keyboard_page_is_remembered_from_field_to_field(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    tap_key(kiosk, "手写")
    kiosk.touch(field(kiosk, "住所", Button))
    assert keyboard(kiosk).mode == "hand"


def test_on_the_pad_a_resting_palm_draws_nothing_and_back_takes_back_a_stroke(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "住所", Button))
    tap_key(kiosk, "手写")
    pad = keyboard(kiosk).pad
    assert pad is not None
    palm = UnitTestTouch(pad.x + 20, pad.y + 20)
    palm.touch_down()
    finger = UnitTestTouch(pad.x + 40, pad.center_y)
    finger.touch_down()  # a second touch while the palm rests
    finger.touch_move(pad.right - 40, pad.center_y)
    finger.touch_up()
    palm.touch_up()
    kiosk.frames(2)
    assert len(pad.strokes) == 1  # the palm's, a dot; the finger drew nothing
    write_on_pad(kiosk, "阜")
    strokes = len(pad.strokes)
    tap_key(kiosk, "←")
    assert len(pad.strokes) == strokes - 1
    assert answer(kiosk, "business.address") == ""  # ← took a stroke, not a character


def test_a_month_cannot_be_picked_before_a_year(kiosk: Driver) -> None:
    to_business(kiosk)
    for _ in range(2):
        kiosk.tap(option(kiosk, "business.applicant_role", "legal_rep"))
    kiosk.touch(field(kiosk, "预约开户日期", Button))
    picker = next(w for w in kiosk.widgets() if isinstance(w, DatePicker))
    kiosk.touch(picker.heading.children[1])  # the month part of the heading, "__"
    assert picker.step == "year"
    kiosk.tap("2026")
    assert picker.step == "month"


@pytest.fixture
def damaged_index(kiosk: Driver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Driver:
    broken = tmp_path / "index.bin"
    broken.write_bytes(b"not an index")
    monkeypatch.setattr("kiosk.services.writing.ensure_index", lambda: broken)
    kiosk.app.kiosk.writing = InputEngines(kiosk.app.kiosk.catalog, kiosk.app.kiosk.hall)
    kiosk.app.kiosk.writing.warm()
    return kiosk


def test_a_damaged_pinyin_index_leaves_handwriting_and_letters_working(damaged_index: Driver) -> None:
    kiosk = damaged_index
    assert kiosk.app.kiosk.writing.pinyin_problem is not None
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    assert any("拼音输入暂不可用" in t for t in kiosk.texts())
    tap_key(kiosk, "手写")
    offered = write_on_pad(kiosk, "窗")
    tap_key(kiosk, offered[offered.index("窗")])
    tap_key(kiosk, "ABC")
    tap_key(kiosk, "k")
    assert answer(kiosk, "business.name") == "窗k"
