"""A citizen types through a Composer: picks candidates page by page; the session's choices stay with it alone."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l10n.pinyin import Candidate, Composer, PinyinIndex
from l10n.pinyin.search import MAX_LETTERS

PAGE = 8  # candidates the keyboard's bar shows at once


def type_text(composer: Composer, wanted: str, chunks: list[str]) -> tuple[int, int]:
    """Type ``chunks`` one after another, each chosen away, as a citizen would; return (selections, pages turned).

    After each chunk the citizen takes, over and over, the first candidate that starts the rest of
    ``wanted``, turning pages until one does.
    """
    written, selections, turned = "", 0, 0
    for chunk in chunks:
        for letter in chunk:
            assert composer.press(letter)
        while composer.letters:
            page = 0
            while not (fits := [c for c in composer.candidates(page, PAGE) if wanted[len(written):].startswith(c.text)]):
                assert composer.has_next(page, PAGE), f"{wanted[len(written):]} not offered for {composer.letters}"
                page += 1
            written += composer.choose(fits[0])
            selections, turned = selections + 1, turned + page
    assert written == wanted
    return selections, turned


@pytest.mark.parametrize(("wanted", "chunks", "most"), [  # most: selections, pages turned
    ("聊城市东昌府区", ["liaochengshidongchangfuqu"], (2, 0)),  # full pinyin, all at once
    ("聊城市东昌府区", ["lcsdcfq"], (2, 0)),  # abbreviated, all at once
    ("聊城市东昌府区", ["lcs", "dcfq"], (2, 0)),  # abbreviated, word by word
    ("阜东街", ["fudongjie"], (2, 6)),  # 阜 is rare: about the 38th fu
    ("阜东街", ["fu", "dj"], (2, 6)),  # 东街 is a word of the hall's region
    ("山东一窗商贸有限公司", ["shandongyichuangshangmaoyouxiangongsi"], (5, 0)),
    ("山东一窗商贸有限公司", ["sd", "yi", "chuang", "sm", "yxgs"], (5, 0)),  # single characters in full
    ("山东一窗商贸有限公司", ["sdyichuangsmyxgs"], (5, 0)),  # mixed, all at once
])
def test_a_citizen_types_names_and_addresses(index: PinyinIndex, hall_words: frozenset[str], wanted: str,
                                             chunks: list[str], most: tuple[int, int]) -> None:
    selections, turned = type_text(Composer(index, hall_words), wanted, chunks)
    assert selections <= most[0]
    assert turned <= most[1]


def test_boosted_words_come_first(index: PinyinIndex, hall_words: frozenset[str]) -> None:
    plain, boosted = Composer(index), Composer(index, hall_words)
    for letters, word in (("lc", "聊城"), ("liaoc", "聊城"), ("liaocheng", "聊城"), ("sm", "商贸"), ("sd", "山东")):
        for composer in (plain, boosted):
            composer.clear()
            for letter in letters:
                composer.press(letter)
        assert boosted.candidates(0, 1) == [Candidate(word, len(letters))]
        assert plain.candidates(0, 1) != [Candidate(word, len(letters))]


def test_a_choice_is_promoted_for_the_session_only(index: PinyinIndex) -> None:
    first = Composer(index)
    for letter in "xian":
        first.press(letter)
    assert first.candidates(0, 1)[0].text == "先"
    xian = next(c for c in first.candidates(0, 20) if c.text == "西安")
    assert first.choose(xian) == "西安"
    assert first.letters == ""
    for letter in "xian":
        first.press(letter)
    assert first.candidates(0, 1)[0].text == "西安"
    second = Composer(index)
    for letter in "xian":
        second.press(letter)
    assert second.candidates(0, 1)[0].text == "先"


def test_choosing_keeps_the_letters_not_consumed(index: PinyinIndex) -> None:
    composer = Composer(index)
    for letter in "liaochengshidong":
        composer.press(letter)
    city = composer.candidates(0, PAGE)[0]
    assert city == Candidate("聊城市", 12)
    assert composer.choose(city) == "聊城市"
    assert composer.letters == "dong"
    assert composer.candidates(0, 1)[0].text == "东"


def test_only_offered_candidates_can_be_chosen(index: PinyinIndex) -> None:
    composer = Composer(index)
    for letter in "shi":
        composer.press(letter)
    with pytest.raises(ValueError, match="not offered"):
        composer.choose(Candidate("是", 3))  # offered, but not asked for yet
    offered = composer.candidates(0, PAGE)[0]
    with pytest.raises(ValueError, match="not offered"):
        composer.choose(Candidate("聊城", 3))
    composer.press("d")
    with pytest.raises(ValueError, match="not offered"):
        composer.choose(offered)  # stale: the letters changed
    assert composer.letters == "shid"


def test_keys_are_checked(index: PinyinIndex) -> None:
    composer = Composer(index)
    assert [composer.press(key) for key in ("1", "ü", "", "ab", " ", "L")] == [False] * 5 + [True]
    assert composer.letters == "l"
    for _ in range(MAX_LETTERS * 2):
        composer.press("a")
    assert composer.letters == "l" + "a" * (MAX_LETTERS - 1)
    composer.clear()
    assert not composer.backspace()
    assert composer.letters == ""
    assert composer.candidates(0, PAGE) == []
    assert not composer.has_next(0, PAGE)


def test_pages_follow_one_another(index: PinyinIndex) -> None:
    composer = Composer(index)
    for letter in "shi":
        composer.press(letter)
    pages = [composer.candidates(page, PAGE) for page in range(4)]
    assert [c for page in pages for c in page] == index.lookup("shi", 4 * PAGE)
    assert all(composer.has_next(page, PAGE) for page in range(4))
    assert composer.candidates(-1, PAGE) == composer.candidates(0, 0) == []
    assert not composer.has_next(-1, 5)
    assert len(composer.candidates(0, 10**6)) <= 50


def test_a_composer_is_cheap_to_make(index: PinyinIndex, hall_words: frozenset[str]) -> None:
    Composer(index, hall_words)  # the first session of a hall resolves its words
    began = time.perf_counter()
    for _ in range(200):
        Composer(index, hall_words)
    assert time.perf_counter() - began < 0.5  # about 10 µs each: the resolved words are shared


SYLLABLES = ["zhong", "guo", "liao", "cheng", "shi", "xian", "fang", "an", "shan", "dong", "chuang", "you", "gong"]
ACTIONS = st.one_of(
    st.tuples(st.just("press"), st.sampled_from([*"abcdefghijklmnopqrstuvwxyz", "A", "Z", "1", "ü", "", "ab", " "])),
    st.tuples(st.just("type"), st.sampled_from(SYLLABLES)),
    st.tuples(st.just("backspace")), st.tuples(st.just("clear")),
    st.tuples(st.just("choose"), st.integers(0, 2), st.integers(0, 9)),
)


@settings(max_examples=60)
@given(actions=st.lists(ACTIONS, max_size=40))
def test_no_sequence_of_keys_breaks_the_composer(index: PinyinIndex, actions: list[tuple[object, ...]]) -> None:
    composer, committed, chosen = Composer(index), "", []
    for action in actions:
        match action:
            case ("press", str(letter)):
                composer.press(letter)
            case ("type", str(syllable)):
                for letter in syllable:
                    composer.press(letter)
            case ("backspace",):
                composer.backspace()
            case ("clear",):
                composer.clear()
            case ("choose", int(page), int(at)):
                offered = composer.candidates(page, 5)
                if at < len(offered):
                    before = composer.letters
                    committed += composer.choose(offered[at])
                    chosen.append(offered[at].text)
                    assert composer.letters == before[offered[at].consumed:]
        assert re.fullmatch(f"[a-z]{{0,{MAX_LETTERS}}}", composer.letters)
        assert committed == "".join(chosen)
        offered = composer.candidates(0, 5)
        assert len(offered) <= 5
        assert all(0 < candidate.consumed <= len(composer.letters) and candidate.text for candidate in offered)
        assert composer.has_next(0, 5) == bool(composer.candidates(1, 5))
