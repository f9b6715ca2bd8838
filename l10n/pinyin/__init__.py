"""The pinyin input method's engine: an index compiled from jieba and pypinyin, lookups, and a per-session composer.

Typical use: ``index = PinyinIndex.open(ensure_index())`` once per process (off the first frame),
then one ``Composer(index, boost=words)`` per citizen session. ``l10n.pinyin.build.build_index`` compiles
the index (``python -m l10n.pinyin build``, run by scripts/bootstrap.sh).
"""

from l10n.pinyin.cache import default_index_path, ensure_index
from l10n.pinyin.composer import BUSINESS_WORDS, Composer, words_in
from l10n.pinyin.index import PinyinIndex
from l10n.pinyin.search import Candidate

__all__ = ["BUSINESS_WORDS", "Candidate", "Composer", "PinyinIndex", "default_index_path", "ensure_index", "words_in"]
