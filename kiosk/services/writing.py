"""The input engines behind the Chinese keyboard: the pinyin index and the handwriting recogniser, loaded once, late.

Neither loads on the kiosk's start path: `warm()` runs off the UI thread after the first frame,
and a keyboard opened before it finished loads what it needs then. The words of the catalog and
of the hall's region rank higher in pinyin; what a citizen types is kept by that citizen's
session only (`Session.composer`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from domain.catalog import Catalog, Hall
from drivers.handwriting.port import HandwritingUnavailable, Recognizer
from l10n.pinyin import BUSINESS_WORDS, Composer, PinyinIndex, ensure_index, words_in

log = logging.getLogger(__name__)


def catalog_texts(catalog: Catalog, hall: Hall) -> Iterator[str]:
    """Yield the Chinese texts whose words citizens are likely to type here (names of items, places, bodies)."""
    yield from (hall.name.zh, hall.address.zh)
    for item in catalog.items.values():
        yield from (item.name.zh, item.department.zh, item.body.zh, *item.keywords)
    for bundle in catalog.bundles.values():
        yield bundle.name.zh
    for other in catalog.halls.values():
        yield from (other.name.zh, other.address.zh)


class InputEngines:
    """The pinyin index and the recogniser of one kiosk process."""

    def __init__(self, catalog: Catalog, hall: Hall) -> None:
        """Remember what to boost; load nothing yet."""
        self.catalog, self.hall = catalog, hall
        self._lock = threading.Lock()
        self._index: PinyinIndex | None = None
        self._boost: frozenset[str] = frozenset()
        self._recognizer: Recognizer | None = None
        self._warming = False
        self.handwriting_problem: HandwritingUnavailable | None = None
        self.pinyin_problem: Exception | None = None  # the index cannot be opened (or built): pinyin stays off

    def warm(self) -> None:
        """Load both engines (blocks: call it off the UI thread); a pinyin index that fails is kept as the reason."""
        try:
            self.index()
        except Exception as exc:  # a damaged file, no room to build it: the keyboard works without pinyin
            log.error("pinyin input unavailable: %s", type(exc).__name__)
            self.pinyin_problem = exc
        self.recognizer()

    def warm_in_background(self) -> None:
        """Start loading the engines on a thread of their own, unless that is under way or done."""
        with self._lock:
            if self._warming or self._index is not None or self.pinyin_problem is not None:
                return
            self._warming = True

        def work() -> None:
            try:
                self.warm()
            finally:
                self._warming = False
        threading.Thread(target=work, name="input-engines", daemon=True).start()

    def index(self) -> PinyinIndex:
        """Return the pinyin index, opening it (and the catalog's boosted words) the first time (blocks)."""
        with self._lock:
            if self._index is None:
                index = PinyinIndex.open(ensure_index())
                self._boost = frozenset(words_in(catalog_texts(self.catalog, self.hall), index)) | BUSINESS_WORDS
                self._index = index
            return self._index

    def retarget(self, catalog: Catalog, hall: Hall) -> None:
        """Boost the words of a newly served catalog (between sessions; the index itself stays open)."""
        with self._lock:
            self.catalog, self.hall = catalog, hall
            if self._index is not None:
                self._boost = frozenset(words_in(catalog_texts(catalog, hall), self._index)) | BUSINESS_WORDS

    def composer(self) -> Composer | None:
        """Return a new composer for one citizen's session; None while the index is not open (it starts loading)."""
        if self._index is None:
            self.warm_in_background()
            return None
        return Composer(self._index, self._boost)

    def recognizer(self) -> Recognizer | None:
        """Return the handwriting recogniser, or None when it cannot be loaded (the reason is kept for the screen)."""
        from drivers.handwriting.rerank import RerankingRecognizer  # noqa: PLC0415 - loads the 26 MB model

        with self._lock:
            if self._recognizer is None and self.handwriting_problem is None:
                try:
                    self._recognizer = RerankingRecognizer()
                except HandwritingUnavailable as exc:
                    log.error("handwriting input unavailable: %s (install %s)", exc, exc.package)
                    self.handwriting_problem = exc
            return self._recognizer

    def following(self, text: str, limit: int) -> list[str]:
        """Return the words that most often follow ``text`` (the row after a handwritten character), if pinyin is on."""
        return self._index.following(text, limit) if self._index is not None else []

    def close(self) -> None:
        """Release the engines."""
        with self._lock:
            if self._recognizer is not None:
                self._recognizer.close()
            if self._index is not None:
                self._index.close()
            self._recognizer, self._index = None, None
