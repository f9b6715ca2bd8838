"""What a speech engine is given to say: Chinese as tone-numbered pinyin, numbers and codes as a clerk reads them.

espeak-ng's ``cmn`` voice reads Chinese characters as if they were English; its ``cmn-latn-pinyin``
voice reads tone-numbered pinyin well. So Chinese text is turned into pinyin here with pypinyin,
whose phrase dictionary resolves heteronyms (银行 yin2 hang2, 重新 chong2 xin1). Numbers are read as
a service-hall clerk reads them: a date as 二〇二六年十二月九日 (the year digit by digit), a short count
as a number (二十三), and anything code-like — an application number, a long digit run — one
character at a time, with 1 as yao1 (幺) so it is not heard as 七. Capital letters are spelt: the
pinyin voice says them as Chinese speakers name letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, partial

ZH_VOICE = "cmn-latn-pinyin"
EN_VOICE = "en-gb"
DIGITS_ZH = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
CODE_DIGITS_ZH = ("ling2", "yao1", *DIGITS_ZH[2:])  # digit by digit: 1 as 幺 (yao1), as clerks say it
MAX_COUNT = 9999  # numbers up to this are read as numbers; longer runs digit by digit
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
PAUSE = {"，": ",", "、": ",", "；": ",", "：": ",", ",": ",", ";": ",", ":": ",",
         "。": ".", "！": ".", "？": ".", ".": ".", "!": ".", "?": "."}
TOKENS = re.compile(r"(\d+|[A-Z](?![a-z])|[\u3400-\u9fff\u3007]+|[^\d\u3400-\u9fff\u3007A-Z]+)")


@dataclass(frozen=True)
class Code:
    """Something read one character at a time: an application number, a counter, a phone number."""

    text: str


@dataclass(frozen=True)
class Day:
    """A date, read the way the language says dates."""

    value: date


Part = str | Code | Day


def number_zh(n: int) -> str:
    """Return a whole number from 0 to 9999 as pinyin (12 -> shi2 er4, 105 -> yi1 bai3 ling2 wu3)."""
    if not 0 <= n <= MAX_COUNT:
        raise ValueError(f"{n} is outside 0..{MAX_COUNT}")
    if n < 10:
        return DIGITS_ZH[n]
    words: list[str] = []
    gap = False
    for power, unit in ((1000, "qian1"), (100, "bai3"), (10, "shi2"), (1, "")):
        digit = n // power % 10
        if digit == 0:
            gap = bool(words)
            continue
        if gap:
            words.append("ling2")
            gap = False
        if not (power == 10 and digit == 1 and not words):  # 十二, not 一十二
            words.append(DIGITS_ZH[digit])
        words.extend([unit] if unit else [])
    return " ".join(words)


def _code(text: str, digits: tuple[str, ...]) -> str:
    """Return a code one character at a time, with a pause where it has a separator (LC01-2612…)."""
    groups = (g for g in re.split(r"[^0-9A-Za-z]+", text) if g)
    return ", ".join(" ".join(digits[int(c)] if c.isdigit() else c.upper() for c in group) for group in groups)


def code_zh(text: str) -> str:
    """Return a code read one character at a time: digits in pinyin (1 as yao1), letters spelt."""
    return _code(text, CODE_DIGITS_ZH)


def day_zh(value: date) -> str:
    """Return a date as 二〇二六年十二月九日, in pinyin."""
    year = " ".join(DIGITS_ZH[int(c)] for c in f"{value.year:04d}")
    return f"{year} nian2 {number_zh(value.month)} yue4 {number_zh(value.day)} ri4"


@cache
def _pinyin() -> Callable[[str], list[str]]:
    """Return pypinyin's tone-numbered converter, imported on first use (a quarter of a second off the start)."""
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - its phrase dictionary loads for ~270 ms

    return partial(lazy_pinyin, style=Style.TONE3, neutral_tone_with_five=True)


def warm() -> None:
    """Load pypinyin now: call it off the UI thread, after the first frame, so the first prompt needs no wait."""
    _pinyin()


def _token_zh(token: str) -> str:
    """Return one token of Chinese text in pinyin: characters, a number, a capital, or punctuation."""
    if token.isdigit():
        return number_zh(int(token)) if len(token) <= 4 and not token.startswith("0") else code_zh(token)
    if re.fullmatch(r"[A-Z]", token):
        return token
    if re.match(r"[\u3400-\u9fff\u3007]", token):
        return " ".join(_pinyin()(token))
    marks = [PAUSE[c] for c in token if c in PAUSE]
    return (". " if "." in marks else ", ") if marks else " "


def text_zh(text: str) -> str:
    """Return Chinese text as tone-numbered pinyin for the ``cmn-latn-pinyin`` voice."""
    spoken = "".join(_token_zh(token) + " " for token in TOKENS.findall(text))
    return re.sub(r"\s+([,.])", r"\1", re.sub(r"\s+", " ", spoken)).strip()


def code_en(text: str) -> str:
    """Return a code read one character at a time in English."""
    return _code(text, tuple("0123456789"))


def day_en(value: date) -> str:
    """Return a date as English says it: 9 December 2026."""
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def speakable(parts: tuple[Part, ...], lang: str) -> tuple[str, str]:
    """Return (voice, text for it) for ``parts`` in ``lang`` ("zh_CN" or "en")."""
    if lang.startswith("zh"):
        pieces = [code_zh(p.text) if isinstance(p, Code) else day_zh(p.value) if isinstance(p, Day) else text_zh(p)
                  for p in parts]
        return ZH_VOICE, _joined(pieces)
    pieces = [code_en(p.text) if isinstance(p, Code) else day_en(p.value) if isinstance(p, Day) else p.strip()
              for p in parts]
    return EN_VOICE, _joined(pieces)


def _joined(pieces: list[str]) -> str:
    """Return the pieces as one text, with no space before a pause."""
    return re.sub(r"\s+([,.])", r"\1", " ".join(piece for piece in pieces if piece))
