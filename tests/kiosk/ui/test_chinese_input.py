"""Citizens type Chinese by touch alone: pinyin (full and abbreviated), letters, digits, punctuation, handwriting.

Every character reaches the field through taps on the kiosk's own keys and strokes on its pad;
nothing sets a widget's text. The field being typed stays in sight above the keyboard.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kivy.uix.button import Button

from kiosk.services.textentry import acceptable
from kiosk.ui.inputs.keys import KeyCap
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import (
    answer,
    clear_text,
    field,
    in_sight,
    keyboard,
    tap_key,
    to_business,
    type_pinyin,
    write_on_pad,
)


def test_a_business_name_by_full_pinyin_and_an_address_by_abbreviations(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    assert in_sight(kiosk, "企业（字号）名称")
    pages = type_pinyin(kiosk, [("shandong", "山东"), ("yi", "一"), ("chuang", "窗"), ("shangmao", "商贸"),
                                ("youxiangongsi", "有限公司")])
    assert answer(kiosk, "business.name") == "山东一窗商贸有限公司"
    assert pages <= 2
    kiosk.touch(field(kiosk, "住所", Button))
    assert in_sight(kiosk, "住所")
    pages = type_pinyin(kiosk, [("lcs", "聊城市"), ("dcfq", "东昌府区"), ("fu", "阜"), ("dongjie", "东街")])
    tap_key(kiosk, "123")
    tap_key(kiosk, "1")
    tap_key(kiosk, "2")
    tap_key(kiosk, "拼音")
    pages += type_pinyin(kiosk, [("hao", "号")])
    assert answer(kiosk, "business.address") == "聊城市东昌府区阜东街12号"
    assert pages <= 8  # 阜 is a rare character: a few pages of "fu"


def test_mixed_and_unfinished_pinyin_space_and_corrections(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    type_pinyin(kiosk, [("liaocs", "聊城市")])
    for letter in "liaoc":
        tap_key(kiosk, letter)
    assert keyboard(kiosk).entry.letters == "liaoc"
    tap_key(kiosk, "空格")  # the first candidate
    assert answer(kiosk, "business.name") == "聊城市聊城"
    tap_key(kiosk, "←")
    tap_key(kiosk, "←")
    assert answer(kiosk, "business.name") == "聊城市"
    tap_key(kiosk, "ABC")
    for letter in "ktv":
        tap_key(kiosk, letter)
    tap_key(kiosk, "⇧")
    tap_key(kiosk, "B")
    assert answer(kiosk, "business.name") == "聊城市ktvB"
    clear_text(kiosk)
    assert answer(kiosk, "business.name") == ""
    tap_key(kiosk, "拼音")
    type_pinyin(kiosk, [("lc", "聊城")])
    assert answer(kiosk, "business.name") == "聊城"


def test_fu_and_chuang_by_handwriting_then_the_words_that_follow(kiosk: Driver) -> None:
    to_business(kiosk)
    kiosk.touch(field(kiosk, "住所", Button))
    tap_key(kiosk, "手写")
    for char in "阜窗":
        offered = write_on_pad(kiosk, char)
        assert char in offered[:5], f"{char} not in {offered}"
        tap_key(kiosk, char)
    assert answer(kiosk, "business.address") == "阜窗"
    pad = keyboard(kiosk).pad
    assert pad is not None
    assert pad.strokes == []
    assert pad.following
    assert pad.offered
    following = pad.offered[0]
    tap_key(kiosk, following)
    assert answer(kiosk, "business.address") == "阜窗" + following


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(taps=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=25))
def test_no_sequence_of_taps_breaks_the_keyboard_or_the_field(kiosk: Driver, taps: list[int]) -> None:
    if kiosk.app.session is None or kiosk.screen != "form":
        to_business(kiosk)
        kiosk.touch(field(kiosk, "企业（字号）名称", Button))
    clear_text(kiosk)
    board = keyboard(kiosk)
    for tap in taps:
        board = keyboard(kiosk)
        offered = [k for k in board.walk() if isinstance(k, KeyCap)]
        kiosk.touch(offered[tap % len(offered)])
        text, letters = board.entry.text, board.entry.letters
        assert answer(kiosk, "business.name") == text
        assert len(text) <= board.entry.limit
        assert acceptable(text)
        assert letters == "" or (letters.isascii() and letters.isalpha() and letters.islower())
        shown = field(kiosk, "企业（字号）名称", Button).text
        assert shown == (text or "点此输入")
