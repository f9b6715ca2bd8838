"""Rank what an index offers for typed letters: words they spell, then words they begin, then words for a prefix.

The letters are divided into tokens every way the syllables allow (``xian``: xian | xi an |
xia n | …); each sequence of tokens names a group of the index (the first letters of its
syllables) whose entries, highest frequency first, are checked syllable by syllable. Kinds, in
rank order: every syllable spelled out; some abbreviated or unfinished; a longer word the letters
begin; words covering only the first letters (the most letters first), spelled out before
abbreviated; last, anything else from a division that cuts where the likeliest one (the fewest
tokens) does not, as yichuan|g for yichuang, whose 遗传工程 nobody typing 一窗 wants to see first.
Within a kind, words with a bonus (the hall's words, a word chosen in the session) come first; then
the frequency times the bonus decides.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field

from l10n.pinyin.syllables import Arc, Token
from l10n.pinyin.tables import Tables

MAX_LETTERS = 40  # longer input is cut: no word or phrase a citizen types is longer
MAX_SYLLABLES = 16  # the longest entry the builder keeps (build.MAX_CHARACTERS)
MAX_NODES = 2000  # token sequences tried per lookup: bounds the work any input can cause
MAX_PREDICTED = 5000  # entries checked per token sequence for longer words the letters begin
SLACK = 8  # extra matches kept per token sequence, for duplicates (one text under two readings)
SPELLED, ABBREVIATED, PREDICTED, PART_SPELLED, PART_ABBREVIATED, ASIDE = range(6)  # kinds, in rank order
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A word offered for the typed letters: ``consumed`` of them, counted from the start, become ``text``."""

    text: str
    consumed: int


@dataclass(frozen=True)
class Bonus:
    """Entries whose frequency counts more (words of the catalog, a word chosen in this session)."""

    factors: Mapping[int, float] = field(default_factory=dict)  # entry → factor
    by_key: Mapping[bytes, tuple[int, ...]] = field(default_factory=dict)  # key → entries

    def plus(self, other: Bonus) -> Bonus:
        """Return both bonuses together (the larger factor where both name an entry)."""
        factors = dict(self.factors)
        for entry, factor in other.factors.items():
            factors[entry] = max(factor, factors.get(entry, 1.0))
        by_key = dict(self.by_key)
        for key, entries in other.by_key.items():
            by_key[key] = tuple(dict.fromkeys((*by_key.get(key, ()), *entries)))
        return Bonus(factors, by_key)


NO_BONUS = Bonus()


@dataclass(frozen=True, slots=True)
class Node:
    """A sequence of tokens from the start of the letters, the letters it covers, and its key."""

    tokens: tuple[Token, ...]
    end: int
    key: bytes
    aligned: bool  # whether it cuts the letters only where the likeliest division does


class _Pool:
    """The best rank of each text found so far: kind, favoured (a bonus) first, letters covered, score."""

    def __init__(self, tables: Tables, bonus: Bonus) -> None:
        """Start empty; score entries of ``tables`` with ``bonus``."""
        self._tables, self._bonus = tables, bonus
        self.ranks: dict[str, tuple[int, bool, int, float, str]] = {}

    def worth(self, entry: int) -> tuple[bool, float]:
        """Return whether an entry has a bonus, and its frequency times its bonus."""
        factor = self._bonus.factors.get(entry)
        return factor is not None, (self._tables.freqs[entry] + 1) * (factor or 1.0)

    def add(self, kind: int, consumed: int, entry: int) -> None:
        """Offer an entry covering ``consumed`` letters; keep its text's best rank."""
        favoured, score = self.worth(entry)
        text = self._tables.text(entry)
        rank = (kind, not favoured, -consumed, -score, text)
        if text not in self.ranks or rank < self.ranks[text]:
            self.ranks[text] = rank

    def above(self, kind: int) -> int:
        """Return how many texts rank in a kind before ``kind``."""
        return sum(1 for rank in self.ranks.values() if rank[0] < kind)

    def top(self, count: int) -> list[Candidate]:
        """Return the best ``count`` candidates in rank order."""
        return [Candidate(rank[4], -rank[2]) for rank in sorted(self.ranks.values())[:count]]


def rank(tables: Tables, letters: str, count: int, bonus: Bonus = NO_BONUS) -> list[Candidate]:
    """Return the best ``count`` candidates for ``letters`` (none for anything but lower-case a-z)."""
    letters = letters[:MAX_LETTERS]
    if count <= 0 or not letters or not LETTERS.issuperset(letters):
        return []
    letters = letters[: tables.syllables.readable(letters)]  # a tail no word can start is left for later
    size = len(letters)
    arcs = tables.syllables.lattice(letters)
    nodes = _nodes(tables, arcs, tables.syllables.likeliest_bounds(arcs)) if size else []
    whole = [node for node in nodes if node.end == size]
    pool, want = _Pool(tables, bonus), count + SLACK
    for node in whole:
        _match_group(tables, node, bonus, want, pool, kinds=(SPELLED, ABBREVIATED if node.aligned else ASIDE))
    if pool.above(PREDICTED) < count:
        for node in whole:
            if len(node.tokens) > 1:  # one syllable begins too many words to be worth offering them
                _predict(tables, node, bonus, want, pool)
    if pool.above(PART_SPELLED) < count:
        for node in nodes:
            if node.end < size:
                kinds = (PART_SPELLED, PART_ABBREVIATED) if node.aligned else (ASIDE, ASIDE)
                _match_group(tables, node, bonus, want, pool, kinds=kinds)
    return pool.top(count)


def _nodes(tables: Tables, arcs: list[list[Arc]], bounds: set[int]) -> list[Node]:
    """Return every token sequence from the start whose key begins some entry's key (at most MAX_NODES)."""
    nodes: list[Node] = []
    known: dict[bytes, bool] = {}
    stack = [Node((), 0, b"", aligned=True)]
    while stack and len(nodes) < MAX_NODES:
        node = stack.pop()
        for arc in arcs[node.end]:
            key = node.key + arc.token.letters[0].encode("ascii")
            if key not in known:
                known[key] = tables.has_key_prefix(key)
            if known[key]:
                child = Node((*node.tokens, arc.token), arc.end, key, node.aligned and arc.end in bounds)
                nodes.append(child)
                if arc.end < len(arcs) - 1 and len(child.tokens) < MAX_SYLLABLES:
                    stack.append(child)
    return nodes


def _fits(tables: Tables, entry: int, tokens: tuple[Token, ...]) -> bool | None:
    """Return whether the entry's first syllables match ``tokens`` spelled out (True), abbreviated (False), or not."""
    syls, base = tables.syls, tables.syl_bounds[entry]
    spelled = True
    for offset, token in enumerate(tokens):
        syllable = syls[base + offset]
        if syllable not in token.allowed:
            return None
        spelled = spelled and syllable == token.full
    return spelled


def _match_group(tables: Tables, node: Node, bonus: Bonus, want: int, pool: _Pool, *, kinds: tuple[int, int]) -> None:
    """Add the best entries of the node's group (and any with a bonus) its tokens match: spelled out, abbreviated."""
    group = tables.group_of(node.key)
    if group < 0:
        return
    room = [  # how many more to take: abbreviated, spelled out
        want if any(token.allowed != {token.full} for token in node.tokens) else 0,
        want if all(token.full >= 0 for token in node.tokens) else 0,
    ]
    for entry in range(tables.group_bounds[group], tables.group_bounds[group + 1]):
        spelled = _fits(tables, entry, node.tokens)
        if spelled is not None and room[spelled]:
            room[spelled] -= 1
            pool.add(kinds[not spelled], node.end, entry)
            if not any(room):
                break
    for entry in bonus.by_key.get(node.key, ()):
        spelled = _fits(tables, entry, node.tokens)
        if spelled is not None:
            pool.add(kinds[not spelled], node.end, entry)


def _predict(tables: Tables, node: Node, bonus: Bonus, want: int, pool: _Pool) -> None:
    """Add the most frequent longer words whose first syllables the node's tokens match."""
    first = tables.find_key(node.key + b"a")  # keys are a-z: the first key longer than node.key
    last = tables.find_key(node.key + b"{")  # "{" follows "z"
    start = tables.group_bounds[first]
    stop = min(tables.group_bounds[last], start + MAX_PREDICTED)
    found = [entry for entry in range(start, stop) if _fits(tables, entry, node.tokens) is not None]
    found += [entry for key, entries in bonus.by_key.items() if key.startswith(node.key) and len(key) > len(node.key)
              for entry in entries if _fits(tables, entry, node.tokens) is not None]
    kind = PREDICTED if node.aligned else ASIDE
    for entry in heapq.nlargest(want, set(found), key=pool.worth):
        pool.add(kind, node.end, entry)
