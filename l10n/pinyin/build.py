"""Compile the pinyin index from jieba's word frequencies and pypinyin's readings: once, never on the kiosk's start.

Words and frequencies come from jieba's dictionary (``jieba/dict.txt``, MIT), each word's reading
from pypinyin (MIT), which reads a word as a phrase, so heteronyms come out as the word has them
(银行 yin hang, 行长 hang zhang). Tones are dropped and ü is written v. A single character is
indexed under every reading pypinyin knows for it; jieba's frequency of the character is shared
among its readings in proportion to how often the dictionary's words read it so (的: de, and di
as in 目的), the character alone counting for its usual reading, or for a particle (jieba's tags
u…) for its toneless one (地 de). Characters jieba does not list come in with frequency 0, so
that any character can be typed one by one. jieba's counts of single characters hold mojibake,
which is set aside (see ``standalone``)."""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from l10n.cachefiles import write_whole
from l10n.pinyin.layout import pack, signature, source_files

# Every word of jieba's that pypinyin can read is kept. Measured with the whole vocabulary (387,646
# entries with the characters' readings): a 12.3 MB file, and a fresh process that imports the
# engine, opens the index and types across the whole dictionary grows by about 19 MiB, 6 of them
# imports: inside the 35 MiB budget, so no frequency threshold is needed (the rarest words include
# place names: 东昌府区 has frequency 2).
MAX_CHARACTERS = 16  # longer entries are sayings nobody types on a kiosk
PLAUSIBLE_INSIDE = 0.02
SPOKEN_TAGS = frozenset({"y", "e", "o"})  # jieba's tags for particles, interjections and onomatopoeia
SYLLABLE = re.compile("[a-z]+")
ADDED_FREQUENCY = 1000  # a business-name word jieba lacks (有限责任公司) counts like a common word
DRAWN = re.compile("[〇\u4e00-\u9fc3]+")  # the basic CJK block as the kiosk's font covers it (to U+9FC3): no
# Extension A or B (㵖, 𨈖), which would show as empty boxes on the bar and in the application


@dataclass(frozen=True, slots=True)
class Word:
    """One entry of the index: a text, one way to read it, and how often it occurs."""

    text: str
    syllables: tuple[str, ...]
    freq: int

    @property
    def key(self) -> str:
        """Return the first letters of its syllables (how the index groups its entries)."""
        return "".join(syllable[0] for syllable in self.syllables)


def build_index(out: Path) -> Path:
    """Compile the index into ``out``, which appears whole or not at all; return ``out``."""
    return write_whole(out, pack(tables(collect()), signature()))


def jieba_words() -> Iterator[tuple[str, int, str]]:
    """Yield each word of jieba's dictionary with its frequency and tag (read as a data file: jieba is not loaded)."""
    with source_files()[0].open(encoding="utf-8") as lines:
        for line in lines:
            text, freq, tag = line.split()
            yield text, int(freq), tag


def collect() -> list[Word]:
    """Return every entry: jieba's words of two or more characters, and every character pypinyin knows."""
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - the build's dependency only
    from pypinyin.pinyin_dict import pinyin_dict  # noqa: PLC0415

    words: list[Word] = []
    singles: dict[str, tuple[int, str]] = {}
    readings: defaultdict[str, Counter[str]] = defaultdict(Counter)  # character → reading → weight
    inside: Counter[str] = Counter()  # character → the frequencies of the longer words it is part of
    for text, freq, tag in [*jieba_words(), *added_words()]:
        if len(text) > MAX_CHARACTERS or not DRAWN.fullmatch(text) or not all(ord(c) in pinyin_dict for c in text):
            continue  # a long saying, letters, digits or symbols (typed on the Latin keyboard), or undrawable
        syllables = tuple(lazy_pinyin(text, style=Style.NORMAL))
        if len(text) == 1 and tag.startswith("u"):  # a particle: 的, 地, 得 de, 了 le, 着 zhe
            syllables = tuple(r for r in pinyin_dict[ord(text)].split(",") if r.isascii())[:1] or syllables
        if len(syllables) != len(text) or not all(SYLLABLE.fullmatch(s) for s in syllables):
            continue
        for char, syllable in zip(text, syllables, strict=True):
            readings[char][syllable] += freq
            inside[char] += freq if len(text) > 1 else 0
        if len(text) == 1:
            singles[text] = (freq, tag)
        else:
            words.append(Word(text, syllables, freq))
    alone = {char: standalone(freq, tag, inside[char]) for char, (freq, tag) in singles.items()}
    return words + characters(alone, readings)


def added_words() -> list[tuple[str, int, str]]:
    """Return the words every hall boosts (有限责任公司, 个体工商户) that jieba's dictionary does not list."""
    from l10n.pinyin.composer import BUSINESS_WORDS  # noqa: PLC0415 - one list, kept beside the boost

    listed = {text for text, _freq, _tag in jieba_words() if text in BUSINESS_WORDS}
    return [(word, ADDED_FREQUENCY, "n") for word in sorted(BUSINESS_WORDS - listed)]


def standalone(freq: int, tag: str, inside: int) -> int:
    """Return a character's frequency on its own, capped at its use inside words when that is implausibly low.

    jieba's counts of single characters include mojibake: UTF-8 text read as GBK (鐨 for 的, 涓
    for 中) is counted as characters that occur in no word (涓 12,958, more than 县). A real
    character is found inside words at least 2 % as often as alone (也 5 %, 您 2.3 %), unless it is
    a particle, interjection or onomatopoeia (呢 1.3 %, 嗯, 喵).
    """
    if inside < freq * PLAUSIBLE_INSIDE and tag not in SPOKEN_TAGS:
        return inside
    return freq


def characters(alone: dict[str, int], readings: dict[str, Counter[str]]) -> list[Word]:
    """Return every character pypinyin knows under each of its readings, its frequency shared among them."""
    from pypinyin import Style, pinyin  # noqa: PLC0415 - the build's dependency only
    from pypinyin.pinyin_dict import pinyin_dict  # noqa: PLC0415

    found = []
    for code in sorted(pinyin_dict):
        char = chr(code)
        if unicodedata.category(char) != "Lo" or not DRAWN.fullmatch(char):
            continue  # pypinyin also reads private-use code points, and characters the font cannot draw
        seen = readings.get(char, Counter())
        known = [r for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0] if SYLLABLE.fullmatch(r)]
        options = list(dict.fromkeys([*known, *seen]))
        total = sum(seen.values())
        freq = alone.get(char, 0)
        for reading in options:
            share = seen[reading] / total if total else float(reading == options[0])
            found.append(Word(char, (reading,), round(freq * share)))
    return found


def tables(words: list[Word]) -> dict[str, bytes]:
    """Return the index's tables (see layout.TABLES) for ``words``."""
    names = sorted({syllable for word in words for syllable in word.syllables})
    ids = {name: number for number, name in enumerate(names)}
    words = sorted(words, key=lambda w: (w.key, -w.freq, w.text))
    keys, key_bounds, group_bounds = bytearray(), array("I", [0]), array("I", [0])
    texts, text_bounds, syls, syl_bounds = bytearray(), array("I", [0]), array("H"), array("I", [0])
    encoded = []
    for number, word in enumerate(words):
        if number == 0 or word.key != words[number - 1].key:
            if number:
                group_bounds.append(number)
            keys += word.key.encode("ascii")
            key_bounds.append(len(keys))
        encoded.append(word.text.encode("utf-8"))
        texts += encoded[-1]
        text_bounds.append(len(texts))
        syls.extend(ids[syllable] for syllable in word.syllables)
        syl_bounds.append(len(syls))
    group_bounds.append(len(words))
    by_text = array("I", sorted(range(len(words)), key=lambda n: (encoded[n], -words[n].freq)))
    return {
        "syllables": "\n".join(names).encode("ascii"), "keys": bytes(keys), "key_bounds": key_bounds.tobytes(),
        "group_bounds": group_bounds.tobytes(), "freqs": array("I", (w.freq for w in words)).tobytes(),
        "texts": bytes(texts), "text_bounds": text_bounds.tobytes(), "syls": syls.tobytes(),
        "syl_bounds": syl_bounds.tobytes(), "by_text": by_text.tobytes(),
    }
