"""Typed letters as pinyin tokens: whole syllables, initials standing for a syllable, or a syllable begun."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Letters that begin a syllable stand for any syllable they begin (``lc``: 聊城); so do zh, ch and sh.
DOUBLE_INITIALS = ("zh", "ch", "sh")
VOWELS = frozenset("aeo")  # syllables may begin with these; a, e and o alone are syllables too (啊, 饿, 哦)


@dataclass(frozen=True, slots=True)
class Token:
    """A run of typed letters and the syllables it may stand for."""

    letters: str
    allowed: frozenset[int]  # ids of the syllables it may stand for
    full: int  # the id of the syllable it spells out in full, or -1


@dataclass(frozen=True, slots=True)
class Arc:
    """A token that starts at some position of the typed letters and ends at ``end``."""

    token: Token
    end: int


class Syllables:
    """The syllables an index knows, and how typed letters divide into tokens."""

    def __init__(self, names: Sequence[str]) -> None:
        """Index ``names`` (position = syllable id) by their every prefix."""
        self.names = tuple(names)
        self._ids = {name: number for number, name in enumerate(self.names)}
        starts: dict[str, set[int]] = {}
        for number, name in enumerate(self.names):
            for end in range(1, len(name) + 1):
                starts.setdefault(name[:end], set()).add(number)
        self._starts = {prefix: frozenset(ids) for prefix, ids in starts.items()}
        self._initials = {name[0] for name in self.names} | set(DOUBLE_INITIALS)
        self._longest = max((len(name) for name in self.names), default=0)
        self._tokens: dict[tuple[str, bool], Token] = {}

    def token(self, letters: str, last: bool) -> Token | None:
        """Return the token ``letters`` make (``last``: at the end of the input, so a syllable may be unfinished)."""
        made = self._tokens.get((letters, last))
        if made is None:
            made = self._make(letters, last)
            if made is not None:  # only real tokens are kept: a few thousand at most
                self._tokens[(letters, last)] = made
        return made

    def _make(self, letters: str, last: bool) -> Token | None:
        """Return a new token for ``letters``, or None when they make none."""
        full = self._ids.get(letters, -1)
        if letters in self._initials and letters not in VOWELS:
            full = -1  # m or n alone stands for 们, 你…, not for the interjections 呣 (m) and 嗯 (n)
        if last or letters in self._initials:
            allowed = self._starts.get(letters)
            return Token(letters, allowed, full) if allowed else None
        return Token(letters, frozenset((full,)), full) if full >= 0 else None

    def readable(self, letters: str) -> int:
        """Return how many of the first ``letters`` divide into tokens (the rest cannot start a word)."""
        reached = [True] + [False] * len(letters)
        best = 0
        for start in range(len(letters)):
            if not reached[start]:
                continue
            for end in range(start + 1, min(len(letters), start + self._longest) + 1):
                piece = letters[start:end]
                if self.token(piece, last=False) is not None:
                    reached[end] = True
                if self.token(piece, last=True) is not None:
                    best = max(best, end)
        return best

    def lattice(self, letters: str) -> list[list[Arc]]:
        """Return, for each position, the tokens starting there after which the rest still divides into tokens."""
        size = len(letters)
        arcs: list[list[Arc]] = [[] for _ in range(size + 1)]
        reaches_end = [False] * size + [True]
        for start in range(size - 1, -1, -1):
            for end in range(start + 1, min(size, start + self._longest) + 1):
                token = self.token(letters[start:end], last=end == size)
                if token is not None and reaches_end[end]:
                    arcs[start].append(Arc(token, end))
            reaches_end[start] = bool(arcs[start])
        return arcs

    @staticmethod
    def likeliest_bounds(arcs: list[list[Arc]]) -> set[int]:
        """Return the positions where the fewest-token readings of the letters put a token boundary."""
        size = len(arcs) - 1
        far = size + 1  # more tokens than any reading has
        fewest = [0] + [far] * size  # fewest tokens reaching each position from the start
        for start in range(size):
            for arc in arcs[start]:
                fewest[arc.end] = min(fewest[arc.end], fewest[start] + 1)
        left = [far] * size + [0]  # fewest tokens from each position to the end
        for start in range(size - 1, -1, -1):
            left[start] = min((left[arc.end] + 1 for arc in arcs[start]), default=far)
        return {spot for spot in range(size + 1) if fewest[spot] + left[spot] == left[0] < far}

