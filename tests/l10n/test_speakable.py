"""Chinese is spoken as tone-numbered pinyin with heteronyms resolved; numbers, dates and codes as a clerk says them."""

from __future__ import annotations

from datetime import date

import pytest

from l10n.speakable import Code, Day, code_en, code_zh, day_en, day_zh, number_zh, speakable, text_zh


@pytest.mark.parametrize(("n", "said"), [
    (0, "ling2"), (10, "shi2"), (12, "shi2 er4"), (20, "er4 shi2"), (105, "yi1 bai3 ling2 wu3"),
    (110, "yi1 bai3 yi1 shi2"), (1010, "yi1 qian1 ling2 yi1 shi2"), (2026, "er4 qian1 ling2 er4 shi2 liu4"),
])
def test_numbers_are_read_as_numbers(n: int, said: str) -> None:
    assert number_zh(n) == said


def test_a_number_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        number_zh(10_000)


def test_heteronyms_are_resolved_by_phrase() -> None:
    assert text_zh("到银行重新办理") == "dao4 yin2 hang2 chong2 xin1 ban4 li3"  # 行 háng, 重 chóng


def test_punctuation_becomes_pauses_and_digits_are_read_by_length() -> None:
    said = text_zh("共3份材料，电话13800138000。")
    assert said == "gong4 san1 fen4 cai2 liao4, dian4 hua4 yao1 san1 ba1 ling2 ling2 yao1 san1 ba1 ling2 ling2 ling2."


def test_a_date_is_read_with_the_year_digit_by_digit() -> None:
    assert day_zh(date(2026, 12, 9)) == "er4 ling2 er4 liu4 nian2 shi2 er4 yue4 jiu3 ri4"  # 二〇二六年十二月九日
    assert day_en(date(2026, 12, 9)) == "9 December 2026"


def test_an_application_number_is_read_one_character_at_a_time_in_groups() -> None:
    assert code_zh("LC01-261202-00017") == ("L C ling2 yao1, er4 liu4 yao1 er4 ling2 er4, "
                                           "ling2 ling2 ling2 yao1 qi1")
    assert code_en("LC01-261202-00017") == "L C 0 1, 2 6 1 2 0 2, 0 0 0 1 7"


def test_parts_pick_the_voice_of_the_language() -> None:
    parts = ("已提交。", Code("A1"), Day(date(2026, 1, 2)))
    assert speakable(parts, "zh_CN") == ("cmn-latn-pinyin", "yi3 ti2 jiao1. A yao1 er4 ling2 er4 liu4 nian2 yi1 yue4 er4 ri4")
    assert speakable(("Submitted.", Code("A1"), Day(date(2026, 1, 2))), "en") == ("en-gb", "Submitted. A 1 2 January 2026")
