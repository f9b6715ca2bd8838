"""The pinyin index answers full, abbreviated, mixed, unfinished and partial pinyin from real jieba and pypinyin data."""

from __future__ import annotations

import unicodedata

import pytest
from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from l10n.pinyin import Candidate, PinyinIndex, words_in
from l10n.pinyin.build import DRAWN
from l10n.pinyin.index import MAX_LIMIT
from l10n.pinyin.layout import signature
from l10n.pinyin.search import MAX_LETTERS


def texts(index: PinyinIndex, letters: str, limit: int = 10) -> list[str]:
    """Return the texts of the first ``limit`` candidates."""
    return [candidate.text for candidate in index.lookup(letters, limit)]


def test_the_index_was_built_from_the_installed_sources(index: PinyinIndex) -> None:
    assert index.signature == signature()
    assert len(index) > 360_000  # jieba's words and every character the font draws, under each of its readings


@pytest.mark.parametrize(("letters", "word", "within"), [
    ("liaocheng", "聊城", 2),  # full pinyin (疗程 reads the same and is more frequent)
    ("liaochengshi", "聊城市", 1),
    ("lcs", "聊城市", 4),  # abbreviated: every syllable by its first letter
    ("liaocs", "聊城市", 1),  # mixed
    ("liaoc", "聊城", 2),  # the last syllable unfinished
    ("zhq", "之前", 1),  # zh as an initial
    ("zhongguo", "中国", 1),
    ("yxgs", "有限公司", 1),
    ("shangmao", "商贸", 1),
    ("fangan", "方案", 1), ("fangan", "反感", 2),  # fang'an or fan'gan
    ("xian", "先", 1), ("xian", "西安", 10),  # xian or xi'an
    ("dongjie", "东街", 2),
    ("chuang", "窗", 4),
])
def test_words_are_offered_for_their_pinyin(index: PinyinIndex, letters: str, word: str, within: int) -> None:
    assert word in texts(index, letters, within)
    assert all(candidate.consumed == len(letters) for candidate in index.lookup(letters, within))


@pytest.mark.parametrize(("letters", "word", "reading"), [
    ("yinhang", "银行", "phrase"), ("hangzhang", "行长", "phrase"), ("chongqing", "重庆", "phrase"),
    ("zhang", "长", "heteronym"), ("chang", "长", "heteronym"), ("hang", "行", "heteronym"),
    ("xing", "行", "heteronym"), ("lv", "绿", "ü as v"), ("lve", "略", "ü as v"), ("nv", "女", "ü as v"),
    ("de", "地", "a particle's toneless reading"), ("di", "的", "目的"), ("le", "了", "particle"),
])
def test_readings_follow_words_and_heteronyms(index: PinyinIndex, letters: str, word: str, reading: str) -> None:
    assert word in texts(index, letters, 4), reading


def test_the_characters_typed_most_come_first(index: PinyinIndex) -> None:
    assert texts(index, "de", 3) == ["的", "得", "地"]
    assert texts(index, "m", 4)[:2] == ["没", "们"]  # m alone is an initial first, the interjection 呣 later
    assert texts(index, "ne", 1) == ["呢"]
    assert texts(index, "nin", 1) == ["您"]


def test_mojibake_in_jiebas_counts_does_not_outrank_real_characters(index: PinyinIndex) -> None:
    # 涓 and 锛 are UTF-8 read as GBK; jieba counts them more often than 县 on their own
    assert texts(index, "juan", 1) == ["卷"]
    assert texts(index, "juan", 5)[-1] != "涓"
    assert "涓" in texts(index, "juan", 20)  # still there, for whoever means it
    assert texts(index, "ben", 1) == ["本"]


def test_every_character_pypinyin_knows_and_the_font_draws_can_be_typed_alone(index: PinyinIndex) -> None:
    missing = []
    for code, readings in pinyin_dict.items():
        char = chr(code)
        spelled = [r for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0] if r.isascii() and r.isalpha()]
        if unicodedata.category(char) == "Lo" and spelled and DRAWN.fullmatch(char) and not index.entries(char):
            missing.append((char, readings))
    assert not missing


def test_spelled_words_come_before_longer_words_they_begin(index: PinyinIndex) -> None:
    offered = texts(index, "liaocheng", 5)
    assert offered.index("聊城") < offered.index("聊城市")
    offered = texts(index, "fangan", 20)
    assert offered.index("反感") < offered.index("方案设计")


def test_a_prefix_is_offered_when_no_word_covers_every_letter(index: PinyinIndex) -> None:
    letters = "liaochengshidongchangfuqu"
    offered = index.lookup(letters, 20)
    assert offered[0] == Candidate("聊城市", 12)
    assert all(candidate.consumed < len(letters) for candidate in offered)
    lengths = [candidate.consumed for candidate in offered if candidate.text[0] == "聊"]
    assert lengths == sorted(lengths, reverse=True)  # the longest first


def test_divisions_that_cut_a_syllable_come_last(index: PinyinIndex) -> None:
    offered = texts(index, "yichuang", 10)
    assert offered.index("一") < 8
    assert "遗传工程" not in offered  # yichuan|g…
    letters = "yichuangshangmaoyouxiangongsi"
    deep = [c for offset in range(0, 500, 100) for c in index.lookup(letters, 100, offset)]
    texts_deep = [c.text for c in deep]
    assert "一" in texts_deep[:8]
    cut = texts_deep.index("遗传")  # yichuan|g: after every reading that keeps the syllables whole, 一 to 齸
    assert cut > max(n for n, c in enumerate(deep) if c.consumed == 2)


def test_pages_join_up(index: PinyinIndex) -> None:
    whole = index.lookup("shi", 30)
    assert index.lookup("shi", 10) + index.lookup("shi", 10, 10) + index.lookup("shi", 10, 20) == whole
    assert len({candidate.text for candidate in whole}) == 30


@pytest.mark.parametrize("letters", ["", "LIAO", "liao1", "lü", "liao cheng", "iiii", "v", "\x00", "聊城", "'"])
def test_anything_but_typed_pinyin_finds_nothing(index: PinyinIndex, letters: str) -> None:
    assert index.lookup(letters, 10) == []


def test_bounds_are_clamped(index: PinyinIndex) -> None:
    long = "zhongguo" * 10
    assert index.lookup(long, 5) == index.lookup(long[:MAX_LETTERS], 5)
    assert all(candidate.consumed <= MAX_LETTERS for candidate in index.lookup(long, 50))
    assert index.lookup("shi", 0) == index.lookup("shi", -3) == []
    assert len(index.lookup("shi", 10**9)) == MAX_LIMIT
    assert index.lookup("shi", 5, -7) == index.lookup("shi", 5)
    assert index.lookup("shi", 5, 10**9) == []


def test_hostile_input_stays_cheap(index: PinyinIndex) -> None:
    for letters in ("xian" * 10, "a" * 40, "zhzhzhzhzh" * 4, "shishishi" * 4 + "shi", "lcslcslcs" * 4):
        assert len(index.lookup(letters, 20)) <= 20


def test_following_words_continue_a_text(index: PinyinIndex) -> None:
    assert {"东", "西", "区"} <= set(index.following("山", 5))
    assert index.following("有限", 1) == ["公司"]
    assert index.following("聊城", 1) == ["市"]
    assert "国" in index.following("中华人民共和", 1)


@pytest.mark.parametrize("text", ["", "阜东街", "abc", "中" * 40, "\ud800", "\x00"])
def test_following_nothing_known_is_empty(index: PinyinIndex, text: str) -> None:
    assert index.following(text, 5) == []


def test_following_is_bounded(index: PinyinIndex) -> None:
    assert index.following("一", 0) == []
    assert len(index.following("一", 10**6)) == MAX_LIMIT


def test_words_in_finds_the_words_of_texts(index: PinyinIndex) -> None:
    found = words_in(["聊城市东昌府区东昌东路101号（示例地址）", "企业银行基本存款账户开户预约", "中国建设银行"], index)
    assert {"聊城市", "聊城", "城市", "东昌府区", "东昌府", "东昌", "企业", "账户", "开户", "预约"} <= found
    assert {"中国建设银行", "中国", "建设银行", "建设", "银行"} <= found
    assert not {"国建", "业银", "户开", "昌东"} & found  # across two words, or inside one
    assert all(len(word) > 1 for word in found)
    assert words_in(["", "x", "阜", "101", "\ud800\ud800"], index) == set()


def test_every_candidate_is_a_character_the_kiosk_font_draws(index: PinyinIndex) -> None:
    from fontTools.ttLib import TTCollection

    from l10n.fonts import cjk_font_path

    drawn = set(TTCollection(str(cjk_font_path(first_face_chinese=True))).fonts[0]["cmap"].getBestCmap())
    syllables = ["nv", "din", "cei", "lve", "zhuai", "kei", "shei", "nou", "miu", "den"] + [
        a + b for a in "bpmfdtnlgkhjqxzcsryw" for b in ("a", "e", "i", "u", "an", "ong", "ing")]
    undrawable = {c.text for s in syllables for c in index.lookup(s, 30) if any(ord(ch) not in drawn for ch in c.text)}
    assert undrawable == set()


def test_the_business_words_every_hall_boosts_are_in_the_index(index: PinyinIndex) -> None:
    assert "有限责任公司" in [c.text for c in index.lookup("youxianzerengongsi", 5)]
    assert "个体工商户" in [c.text for c in index.lookup("gtgsh", 5)]
