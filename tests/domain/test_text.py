"""Display width, padding and wrapping with CJK characters counting two columns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.text import Text, pad, width, wrap


def test_width_counts_cjk_as_two() -> None:
    assert width("受理回执") == 8
    assert width("No. 12") == 6
    assert width("张三 Zhang") == 10
    assert width("ＡＢ") == 4  # full-width letters


def test_pad_aligns_mixed_text() -> None:
    assert pad("张三", 6) == "张三  "
    assert pad("张三", 6, "right") == "  张三"
    assert pad("回执", 8, "center") == "  回执  "


def test_wrap_breaks_cjk_anywhere_and_keeps_latin_words() -> None:
    assert wrap("山东省聊城市东昌府区柳园街道", 10) == ["山东省聊城", "市东昌府区", "柳园街道"]
    assert wrap("Apply for a social security card", 12) == ["Apply for a", "social", "security", "card"]


def test_a_wide_char_never_straddles_the_edge() -> None:
    assert wrap("ab受理", 3) == ["ab", "受", "理"]


def test_bilingual_text() -> None:
    assert Text("回执", "Receipt").get("en") == "Receipt"
    assert Text("回执", "Receipt").get("zh") == "回执"


texts = st.text(alphabet=st.sampled_from(list("abc xyz受理回执山东省聊城市 12")), max_size=80)


@given(texts, st.integers(min_value=2, max_value=48))
def test_wrapped_lines_fit_and_lose_no_characters(text: str, columns: int) -> None:
    lines = wrap(text, columns)
    assert all(width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
