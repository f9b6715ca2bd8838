"""Bilingual texts and layout by display width (a CJK character takes two columns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]
NO_LINE_START = frozenset(")]}>,.;:!?%）】》」』〕，。、；：！？…")


@dataclass(frozen=True)
class Text:
    """A text in Simplified Chinese and English."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        """Return the text in ``lang``."""
        return self.zh if lang == "zh" else self.en


def width(text: str) -> int:
    """Return the number of terminal or printer columns ``text`` occupies."""
    from wcwidth import wcswidth, wcwidth  # noqa: PLC0415 - 9 ms to import: not before the kiosk's first frame

    total = wcswidth(text)
    if total >= 0:
        return int(total)
    return sum(max(int(wcwidth(char)), 0) for char in text)


def pad(text: str, columns: int, align: Literal["left", "right", "center"] = "left") -> str:
    """Pad ``text`` with spaces to ``columns`` display columns."""
    gap = max(columns - width(text), 0)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` display columns.

    Latin words stay whole where they fit; CJK text breaks between any two characters.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, columns))
    return lines


def _wrap_paragraph(text: str, columns: int) -> list[str]:
    """Wrap one paragraph (no newlines); closing punctuation never starts a line."""
    lines: list[str] = []
    line: list[str] = []
    for token in _tokens(text):
        if width("".join(line) + token) <= columns:
            line.append(token)
            continue
        carried: list[str] = []
        if token[0] in NO_LINE_START and len(line) > 1:
            carried = [line.pop()]  # take the previous token along (kinsoku)
        if "".join(line).strip():
            lines.append("".join(line).rstrip())
        rest = "".join(carried) + token.lstrip()
        while width(rest) > columns:  # a single token wider than the line: hard break
            cut = _fit(rest, columns)
            lines.append(rest[:cut])
            rest = rest[cut:]
        line = [rest]
    lines.append("".join(line).rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Split into break opportunities: Latin words with their trailing space, or single wide chars."""
    from wcwidth import wcwidth  # noqa: PLC0415 - see width()

    tokens: list[str] = []
    word = ""
    for char in text:
        if wcwidth(char) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + char)
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _fit(text: str, columns: int) -> int:
    """Return how many leading characters of ``text`` fit in ``columns`` (at least one)."""
    from wcwidth import wcwidth  # noqa: PLC0415 - see width()

    used = 0
    for index, char in enumerate(text):
        used += max(int(wcwidth(char)), 0)
        if used > columns:
            return max(index, 1)
    return len(text)
