"""The pinyin index every l10n test shares: built once (scripts/bootstrap.sh normally has) and opened once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG
from l10n.pinyin import BUSINESS_WORDS, PinyinIndex, ensure_index, words_in


@pytest.fixture(scope="session")
def index() -> Iterator[PinyinIndex]:
    """Return the real index, built from jieba and pypinyin if this machine has none yet."""
    with PinyinIndex.open(ensure_index()) as opened:
        yield opened


REGION = ("山东省聊城市东昌府区", "阜东街", "柳园街道")  # the hall's province, city, district and streets


@pytest.fixture(scope="session")
def hall_words(index: PinyinIndex) -> frozenset[str]:
    """Return what a hall's kiosk boosts: the words of the catalog, of its halls and region, and BUSINESS_WORDS."""
    catalog = load_catalog(SAMPLE_CATALOG)
    texts = [item.name.zh for item in catalog.items.values()]
    texts += [text.zh for hall in catalog.halls.values() for text in (hall.name, hall.address)]
    return frozenset(words_in([*texts, *REGION], index) | BUSINESS_WORDS)
