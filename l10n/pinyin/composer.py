"""One citizen's typing: the pending letters, their candidates page by page, and the words chosen this session.

Nothing typed outlives the Composer: a chosen word ranks higher for the rest of the session only,
and the next session starts from the index and the hall's boosted words alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from l10n.pinyin.index import MAX_RANK, MAX_TEXT, PinyinIndex
from l10n.pinyin.search import MAX_LETTERS, Bonus, Candidate

# Words with a bonus come first among candidates of their kind, ordered by frequency times the bonus:
BOOST = 200.0  # the words of the catalog and the hall's region
PROMOTED = 1e9  # a word chosen in this session: before the hall's words
MAX_PAGE_SIZE = 50

# Words of the names citizens type for their businesses (企业（字号）名称), boosted in every hall.
BUSINESS_WORDS = frozenset({
    "有限公司", "有限责任公司", "股份有限公司", "分公司", "公司", "集团", "商贸", "贸易", "商行", "商店", "超市",
    "便利店", "科技", "信息技术", "网络", "电子", "餐饮", "饭店", "酒店", "服务", "物流", "运输", "建筑", "工程",
    "装饰", "建材", "五金", "机械", "设备", "农业", "养殖", "种植", "合作社", "专业", "个体", "个体工商户",
    "工作室", "经营部", "门市部", "门诊", "诊所", "药店", "大药房", "文化", "传媒", "广告", "教育", "咨询", "培训",
    "美容", "美发", "汽车", "维修", "食品", "服装", "家具", "电器", "实业", "发展", "管理",
})


def words_in(texts: Iterable[str], index: PinyinIndex) -> set[str]:
    """Return the index's words of two or more characters in ``texts`` (item names, hall names, addresses).

    Each run of Chinese characters is divided into words as jieba would (the likeliest division);
    the words that begin or end those words count too (聊城 and 城市 in 聊城市), but not those that
    straddle two words or sit inside one (国建 in 中国|建设银行).
    """
    found: set[str] = set()
    for text in texts:
        for run in re.findall(r"[^\W\d_a-zA-Z]+", text):
            for word in _divide(run, index):
                found |= _affixes(word, index)
    return found


def _affixes(word: str, index: PinyinIndex) -> set[str]:
    """Return ``word`` (if two characters or more) and the index's words that begin or end it, and theirs."""
    found, waiting = set(), [word]
    while waiting:
        piece = waiting.pop()
        if len(piece) > 1 and piece not in found:
            found.add(piece)
            waiting += [part for size in range(2, len(piece)) for part in (piece[:size], piece[-size:])
                        if index.frequency(part) is not None]
    return found


def _divide(text: str, index: PinyinIndex) -> list[str]:
    """Return the division of ``text`` into the index's words with the largest product of their frequencies."""
    cost = math.log(index.total)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * len(text)  # score, where the last word starts
    for start in range(len(text)):
        for end in range(start + 1, min(len(text), start + MAX_TEXT) + 1):
            piece = text[start:end]
            if end - start > 1 and not index.begins_word(piece):
                break
            freq = index.frequency(piece)
            if freq is None:
                continue
            score = best[start][0] + math.log(freq + 1) - cost
            if score > best[end][0]:
                best[end] = (score, start)
    words, end = [], len(text)
    while end:
        words.append(text[best[end][1] : end])
        end = best[end][1]
    return words[::-1]


class Composer:
    """The pinyin being typed in one session, and what it may become."""

    def __init__(self, index: PinyinIndex, boost: Iterable[str] = ()) -> None:
        """Start a session on ``index``; the words of ``boost`` (catalog, region, BUSINESS_WORDS) rank higher."""
        self._index = index
        self._bonus: Bonus = index.shared_bonus(frozenset(boost), BOOST)
        self._letters = ""
        self._offered: list[Candidate] = []  # the first candidates for the letters as they are
        self._asked = 0  # how many were asked for them (0: not ranked yet)

    @property
    def letters(self) -> str:
        """Return the letters typed and not yet turned into text."""
        return self._letters

    def press(self, letter: str) -> bool:
        """Add a letter (a-z; capitals count as small); return whether it was taken."""
        letter = letter.lower()
        if len(letter) != 1 or not "a" <= letter <= "z" or len(self._letters) >= MAX_LETTERS:
            return False
        self._set(self._letters + letter)
        return True

    def backspace(self) -> bool:
        """Remove the last letter; return whether there was one."""
        if not self._letters:
            return False
        self._set(self._letters[:-1])
        return True

    def clear(self) -> None:
        """Drop every pending letter (the words chosen so far stay promoted)."""
        self._set("")

    def candidates(self, page: int, size: int) -> list[Candidate]:
        """Return page ``page`` (from 0) of the candidates, ``size`` to a page (at most MAX_PAGE_SIZE)."""
        size = min(size, MAX_PAGE_SIZE)
        if page < 0 or size <= 0:
            return []
        return self._ranked_to((page + 1) * size)[page * size : (page + 1) * size]

    def has_next(self, page: int, size: int) -> bool:
        """Return whether there are candidates after page ``page``."""
        size = min(size, MAX_PAGE_SIZE)
        if page < 0 or size <= 0:
            return False
        return len(self._ranked_to((page + 1) * size + 1)) > (page + 1) * size

    def choose(self, candidate: Candidate) -> str:
        """Commit an offered candidate: drop the letters it consumes, promote it for this session; return its text."""
        if candidate not in self._offered:
            raise ValueError(f"{candidate.text!r} is not offered for the letters {self._letters!r}")
        self._bonus = self._bonus.plus(self._index.bonus(frozenset((candidate.text,)), PROMOTED))
        self._set(self._letters[candidate.consumed :])
        return candidate.text

    def _set(self, letters: str) -> None:
        """Replace the pending letters; forget the candidates ranked for the old ones."""
        self._letters, self._offered, self._asked = letters, [], 0

    def _ranked_to(self, count: int) -> list[Candidate]:
        """Return the first ``count`` candidates (fewer when there are no more), ranking again only when needed."""
        count = min(count, MAX_RANK)
        if count > self._asked and len(self._offered) == self._asked:
            self._offered = self._index.ranked(self._letters, count, self._bonus)
            self._asked = count
        return self._offered[:count]
