"""Zinnia's candidates re-ranked by shape: what was drawn, whatever the order its strokes came in.

Zinnia compares strokes in order, and the Tegaki model learned many characters in orders other than
the standard one (辶 first, 门 with 丨 first), so a character written in the standard order can fall
far down its list or off it. Here Zinnia is asked for ``depth`` candidates, the shape atlas adds the
``neighbours`` characters whose glyphs look most like the drawing, and each is scored by Zinnia's
score (relative to its best; one it did not list counts as ``missing`` below its last) less the
shape distance times ``shape``. The shape counts fully from ``full_shape_strokes`` strokes on and
less before: a character's first strokes look little like any whole glyph. The weights are tuned
by scripts/tune_handwriting.py on the test set (strokes.json) only; heldout.json shows they generalise.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from drivers.handwriting.atlas import FONT, FONT_PACKAGE, Atlas, AtlasUnavailable, character, open_atlas, slot
from drivers.handwriting.ink import clean
from drivers.handwriting.port import Point, Strokes
from drivers.handwriting.shape import features, ink_tile
from drivers.handwriting.zinnia import MAX_LIMIT, ZinniaRecognizer

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class Weights:
    """How Zinnia's score and the shape distance combine (tuned by scripts/tune_handwriting.py)."""

    depth: int = 30  # Zinnia's candidates re-ranked
    shape: float = 0.2  # per unit of mean byte distance (0–255) between the drawing's and a glyph's features
    missing: float = 0.4  # how far below Zinnia's last a character it did not list counts
    neighbours: int = 10  # the atlas's nearest characters added to Zinnia's
    full_shape_strokes: int = 3  # strokes from which the shape counts fully


WEIGHTS = Weights()


def nearest(distances: Sequence[float], count: int) -> list[int]:
    """Return the ``count`` slots nearest the drawing, nearest first."""
    return heapq.nsmallest(count, range(len(distances)), key=distances.__getitem__)


def rank(scored: Sequence[tuple[str, float]], distances: Sequence[float], near: Sequence[int], strokes: int,
         weights: Weights = WEIGHTS) -> list[str]:
    """Return Zinnia's candidates and the atlas's ``near`` slots, best first (``distances`` by slot)."""
    if not scored:
        return []
    scored = scored[:weights.depth]
    zinnia = dict(scored)
    best, floor = scored[0][1], scored[-1][1] - weights.missing
    shape = weights.shape * min(1.0, strokes / weights.full_shape_strokes)
    pool = [*zinnia, *(char for char in map(character, near[:weights.neighbours]) if char is not None)]

    def score(char: str) -> float:
        number = slot(char)
        distance = distances[number] if number is not None else 255.0
        return zinnia.get(char, floor) - best - shape * distance

    return sorted(dict.fromkeys(pool), key=score, reverse=True)


class RerankingRecognizer:
    """Recognise handwriting with Zinnia, its candidates re-ranked by shape; one call at a time."""

    def __init__(self, zinnia: ZinniaRecognizer | None = None, atlas: Path | None = None, font: Path = FONT,
                 weights: Weights = WEIGHTS) -> None:
        """Load Zinnia (HandwritingUnavailable if it cannot be) and the atlas (built if missing; without it, warn)."""
        self.zinnia = zinnia or ZinniaRecognizer()
        self.weights = weights
        self._lock = threading.Lock()
        self.atlas: Atlas | None = None
        try:
            self.atlas = open_atlas(atlas, font)
        except (AtlasUnavailable, OSError) as error:
            log.warning("handwriting: no shape atlas (%s), so Zinnia's order stands; install %s", error, FONT_PACKAGE)

    def recognize(self, strokes: Strokes, width: float, height: float, limit: int = 10) -> list[str]:
        """Return up to ``limit`` characters for the strokes so far, best first; [] for unusable input."""
        if not isinstance(limit, int) or limit < 1:
            return []
        with self._lock:
            depth = max(self.weights.depth, min(limit, MAX_LIMIT))
            scored = self.zinnia.scored(strokes, width, height, depth)
            if self.atlas is None or not scored:
                return [char for char, _score in scored][:limit]
            cleaned = clean(strokes, width, height)
            distances = self.atlas.distances(self.query(cleaned))
        weights = replace(self.weights, depth=depth)
        ranked = rank(scored, distances, nearest(distances, weights.neighbours), len(cleaned), weights)
        return ranked[:min(limit, MAX_LIMIT)]

    @staticmethod
    def query(cleaned: Sequence[Sequence[Point]]) -> bytes:
        """Return the shape features of cleaned strokes (ink.clean's, not empty)."""
        return features(ink_tile(cleaned))

    def close(self) -> None:
        """Release Zinnia and the atlas; later calls return []."""
        with self._lock:
            self.zinnia.close()
            if self.atlas is not None:
                self.atlas.close()
                self.atlas = None
