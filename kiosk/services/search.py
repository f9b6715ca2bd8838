"""Use case: find a service by its Chinese name, a keyword, its full pinyin (or the pinyin's initials), or English.

Citizens who cannot type Chinese on a kiosk type letters: "shebaoka" and "sbk" both find
社会保障卡 items, and so does "socialsecurity" from the English name. pypinyin gives the
readings; tones are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalog import Bundle, ServiceItem


@dataclass(frozen=True)
class Entry:
    """One searchable offering."""

    code: str
    texts: tuple[str, ...]  # Chinese name and keywords
    pinyin: tuple[str, ...]  # full pinyin of each, no spaces
    initials: tuple[str, ...]
    english: tuple[str, ...] = ()  # the English name and keywords, lower case, without spaces (no space key)


def index(offerings: list[ServiceItem | Bundle]) -> list[Entry]:
    """Build the search index of a hall's offerings (pypinyin's dictionaries load here, not at import)."""
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415 - a third of a second: keep it off the kiosk's start

    entries = []
    for offering in offerings:
        texts = (offering.name.zh, *getattr(offering, "keywords", ()))
        entries.append(Entry(offering.code, texts, tuple("".join(lazy_pinyin(t)).lower() for t in texts),
                             tuple("".join(lazy_pinyin(t, style=Style.FIRST_LETTER)).lower() for t in texts),
                             tuple("".join(t.split()).lower()
                                   for t in (offering.name.en, *getattr(offering, "keywords_en", ())))))
    return entries


def search(entries: list[Entry], query: str) -> list[str]:
    """Return the codes matching ``query``: Chinese by substring, letters by pinyin, initials or English."""
    wanted = "".join(query.split()).lower()
    if not wanted:
        return []
    if wanted.isascii():
        return [e.code for e in entries if any(wanted in p for p in (*e.pinyin, *e.initials, *e.english))]
    return [e.code for e in entries if any(wanted in t for t in e.texts)]
