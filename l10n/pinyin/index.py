"""The pinyin index a keyboard asks: candidates for typed letters, and the words that follow a text."""

from __future__ import annotations

import heapq
from collections import defaultdict
from functools import cached_property
from pathlib import Path
from types import TracebackType

from l10n.pinyin.search import NO_BONUS, Bonus, Candidate, rank
from l10n.pinyin.tables import Tables

MAX_LIMIT = 100  # candidates per call
MAX_RANK = 1000  # the deepest candidate any call reaches: nobody pages further
MAX_FOLLOWING = 5000  # entries looked at for the words that follow a text
MAX_TEXT = 16  # the longest entry the builder keeps (build.MAX_CHARACTERS)


class PinyinIndex:
    """A compiled index opened read-only: the file is mapped, never copied into Python objects."""

    def __init__(self, tables: Tables) -> None:
        """Serve lookups from ``tables``."""
        self._tables = tables
        self._bonus_cache: tuple[frozenset[str], float, Bonus] | None = None

    @classmethod
    def open(cls, path: Path) -> PinyinIndex:
        """Open the index file at ``path`` (layout.IndexFileError when it is not one)."""
        return cls(Tables(path))

    def close(self) -> None:
        """Unmap the file; the index answers nothing afterwards."""
        self._tables.close()

    def __enter__(self) -> PinyinIndex:
        """Return the index itself."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Close the index."""
        self.close()

    @property
    def signature(self) -> str:
        """Return the hash of the builder's version and the sources the file was built from."""
        return self._tables.signature

    def __len__(self) -> int:
        """Return how many entries (a word under one reading) the index holds."""
        return self._tables.size

    def lookup(self, letters: str, limit: int, offset: int = 0) -> list[Candidate]:
        """Return candidates ``offset`` to ``offset + limit`` for ``letters`` (lower-case a-z; anything else: none)."""
        limit, offset = min(limit, MAX_LIMIT), max(offset, 0)
        if limit <= 0:
            return []
        return self.ranked(letters, offset + limit, NO_BONUS)[offset:]

    def ranked(self, letters: str, count: int, bonus: Bonus) -> list[Candidate]:
        """Return the first ``count`` candidates (at most MAX_RANK) for ``letters``, the entries of ``bonus`` higher."""
        return rank(self._tables, letters, min(count, MAX_RANK), bonus)

    def following(self, text: str, limit: int) -> list[str]:
        """Return the most frequent continuations of the words that start with ``text`` (山 → 东, 西, 区…)."""
        limit = min(limit, MAX_LIMIT)
        if not text or len(text) >= MAX_TEXT or limit <= 0:
            return []
        tables, prefix = self._tables, text.encode("utf-8", "surrogatepass")
        best: dict[bytes, int] = {}
        start = tables.find_text(prefix)
        for position in range(start, min(start + MAX_FOLLOWING, tables.size)):
            word = tables.text_at(position)
            if not word.startswith(prefix):
                break
            entry, rest = tables.by_text[position], word[len(prefix) :]
            if rest:
                best[rest] = max(best.get(rest, 0), tables.freqs[entry])
        return [rest.decode("utf-8") for rest in heapq.nlargest(limit, best, key=lambda rest: (best[rest], rest))]

    def entries(self, text: str) -> list[int]:
        """Return the entries of ``text`` (one per reading; none when the index does not know it)."""
        tables, wanted = self._tables, text.encode("utf-8", "surrogatepass")
        position, found = tables.find_text(wanted), []
        while position < tables.size and tables.text_at(position) == wanted:
            found.append(tables.by_text[position])
            position += 1
        return found

    def frequency(self, text: str) -> int | None:
        """Return how often ``text`` occurs (its most frequent reading), or None when the index does not know it."""
        return max((self._tables.freqs[entry] for entry in self.entries(text)), default=None)

    @cached_property
    def total(self) -> int:
        """Return the sum of every entry's frequency."""
        return sum(self._tables.freqs)

    def begins_word(self, text: str) -> bool:
        """Return whether some entry's text starts with ``text``."""
        tables, wanted = self._tables, text.encode("utf-8", "surrogatepass")
        position = tables.find_text(wanted)
        return position < tables.size and tables.text_at(position).startswith(wanted)

    def shared_bonus(self, words: frozenset[str], factor: float) -> Bonus:
        """Return ``bonus(words, factor)``, kept for the next caller asking the same (every session of a hall)."""
        cached = self._bonus_cache
        if cached is None or cached[0] != words or cached[1] != factor:
            cached = self._bonus_cache = (words, factor, self.bonus(words, factor))
        return cached[2]

    def bonus(self, words: frozenset[str], factor: float) -> Bonus:
        """Return a bonus of ``factor`` for every entry of ``words``."""
        factors: dict[int, float] = {}
        by_key: defaultdict[bytes, list[int]] = defaultdict(list)
        for word in words:
            for entry in self.entries(word):
                factors[entry] = factor
                by_key[self._tables.entry_key(entry)].append(entry)
        return Bonus(factors, {key: tuple(entries) for key, entries in by_key.items()})
