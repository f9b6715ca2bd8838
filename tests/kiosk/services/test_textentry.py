"""Typing one field: pending pinyin letters always end up in that field, as words or as typed, never lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.services.textentry import TextEntry
from l10n.pinyin import Composer, PinyinIndex, ensure_index


@pytest.fixture(scope="module")
def index() -> Iterator[PinyinIndex]:
    with PinyinIndex.open(ensure_index()) as opened:
        yield opened


def typed(entry: TextEntry, letters: str) -> TextEntry:
    for letter in letters:
        entry.letter(letter)
    return entry


def test_punctuation_turns_every_pending_letter_into_words_first(index: PinyinIndex) -> None:
    entry = typed(TextEntry("", 100, Composer(index)), "xiaoshouriyongbaihuo")
    entry.insert("，")
    assert entry.letters == ""
    assert entry.text.startswith("销售")
    assert entry.text.endswith("，")
    assert not any(ch.isascii() and ch.isalpha() for ch in entry.text)


def test_letters_kept_as_typed_when_the_citizen_wants_latin(index: PinyinIndex) -> None:
    entry = typed(TextEntry("聊城", 100, Composer(index)), "ktv")
    entry.flush(as_typed=True)
    assert (entry.text, entry.letters) == ("聊城ktv", "")


def test_a_new_field_starts_with_no_letters_of_the_last_one(index: PinyinIndex) -> None:
    composer = Composer(index)
    typed(TextEntry("", 100, composer), "shandong")
    assert TextEntry("", 100, composer).letters == ""


def test_flushing_never_runs_past_the_field(index: PinyinIndex) -> None:
    entry = typed(TextEntry("聊城市", 5, Composer(index)), "youxiangongsi")
    entry.flush()
    assert len(entry.text) <= 5
    assert entry.letters == ""
    without = TextEntry("", 5, None)
    without.letter("a")
    without.insert("阜")
    assert (without.text, without.letters) == ("阜", "")
