"""Turn finger strokes into the ink Zinnia expects: cleaned, bounded, centred in its box and reduced to vertices.

Zinnia describes each stroke by the segments it gets from splitting the stroke, recursively, at the
point farthest from the chord, and it places every vertex relative to the box it is given. So the
character is centred and scaled into a fixed box (a citizen may write small, or in a corner of
the pad), the split is done here with Zinnia's own tolerance to the depth whose segments it uses
(its recursion is unbounded, and a long wiggly stroke would make it allocate without limit), and
a short first segment — the finger landing — is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import islice, pairwise

from drivers.handwriting.port import Point, Strokes

BOX = 1000  # Zinnia's character box, in its integer units (the Tegaki model was trained on 1000 × 1000 writings)
MAX_STROKES = 64  # the most complex characters have about 36; the rest of a runaway input is ignored
MAX_POINTS = 512  # per stroke: a longer stroke is thinned evenly, keeping its ends
MARGIN = 0.15  # of the box, on each side of the character's bounding box
MIN_EXTENT = 0.125  # of the pad's longer side: a dot or a tiny scribble is not blown up to fill the box
VERTEX_TOLERANCE = 0.001  # Zinnia's: squared distance from the chord, in box units, above which it splits
MAX_DEPTH = 5  # Zinnia uses a stroke's first 51 segments, which are those of split depth 0–5
HOOK = 0.1  # a first segment shorter than this (box units) and than a quarter of its stroke is a landing


def prepare(strokes: Strokes, width: float, height: float) -> list[list[tuple[int, int]]]:
    """Return the strokes as integer vertices in a BOX × BOX square, or [] when there is no usable point."""
    if not (_usable(width) and _usable(height)):
        return []
    cleaned = clean(strokes, width, height)
    if not cleaned:
        return []
    placed = _place(cleaned, max(width, height))
    return [_to_box(_dehook(_vertices(stroke))) for stroke in placed]


def clean(strokes: Strokes, width: float, height: float) -> list[list[Point]]:
    """Return at most MAX_STROKES strokes of finite points clamped to the pad, thinned to MAX_POINTS each."""
    cleaned = []
    try:
        head = list(islice(strokes, MAX_STROKES))
    except TypeError:
        return []
    for stroke in head:
        points = _clean_stroke(stroke, width, height)
        if points:
            cleaned.append(points)
    return cleaned


def _usable(value: float) -> bool:
    """Return whether ``value`` is a pad size: a finite number of at least one pixel."""
    try:
        return math.isfinite(value) and value >= 1
    except TypeError:
        return False


def _clean_stroke(stroke: Sequence[Point], width: float, height: float) -> list[Point]:
    """Return the stroke's usable points, clamped to the pad, without repeats in a row."""
    try:
        raw = _thin(stroke)
    except TypeError:
        return []
    points: list[Point] = []
    for item in raw:
        point = _point(item, width, height)
        if point is not None and (not points or point != points[-1]):
            points.append(point)
    return points


def _thin(stroke: Sequence[Point]) -> Sequence[Point]:
    """Return at most MAX_POINTS points spread evenly along the stroke, its first and last kept."""
    count = len(stroke)
    if count <= MAX_POINTS:
        return stroke
    return [stroke[round(i * (count - 1) / (MAX_POINTS - 1))] for i in range(MAX_POINTS)]


def _point(item: Point, width: float, height: float) -> Point | None:
    """Return the point clamped to the pad, or None if it is not a pair of finite numbers."""
    try:
        x, y = float(item[0]), float(item[1])
    except (TypeError, ValueError, LookupError, OverflowError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)):
        return None
    return min(max(x, 0.0), width), min(max(y, 0.0), height)


def _place(strokes: list[list[Point]], pad: float) -> list[list[Point]]:
    """Return the strokes centred in a unit box, their longer extent spanning it less the margins."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    scale = (1 - 2 * MARGIN) / max(right - left, bottom - top, MIN_EXTENT * pad)
    cx, cy = left + (right - left) / 2, top + (bottom - top) / 2
    return [[((x - cx) * scale + 0.5, (y - cy) * scale + 0.5) for x, y in stroke] for stroke in strokes]


def _vertices(stroke: list[Point]) -> list[Point]:
    """Return the points where Zinnia splits the stroke, down to the depth whose segments it uses."""
    keep = {0, len(stroke) - 1}
    _split(stroke, 0, len(stroke) - 1, 0, keep)
    return [stroke[index] for index in sorted(keep)]


def _split(stroke: list[Point], first: int, last: int, depth: int, keep: set[int]) -> None:
    """Add to ``keep`` the farthest point from the chord first–last if it is far enough, then recurse."""
    if depth >= MAX_DEPTH or last - first < 2:
        return
    index, distance = _farthest(stroke, first, last)
    if distance <= VERTEX_TOLERANCE:
        return
    keep.add(index)
    _split(stroke, first, index, depth + 1, keep)
    _split(stroke, index, last, depth + 1, keep)


def _farthest(stroke: list[Point], first: int, last: int) -> tuple[int, float]:
    """Return the inner point farthest from the chord (from the start on a closed loop) and its squared distance."""
    (x0, y0), (x1, y1) = stroke[first], stroke[last]
    a, b = x1 - x0, y1 - y0
    chord = a * a + b * b
    best, best_index = -1.0, first + 1
    for index in range(first + 1, last):
        x, y = stroke[index]
        distance = (a * (y - y0) - b * (x - x0)) ** 2 / chord if chord else (x - x0) ** 2 + (y - y0) ** 2
        if distance > best:
            best, best_index = distance, index
    return best_index, best


def _dehook(vertices: list[Point]) -> list[Point]:
    """Drop a short first segment: the finger landing, which the model's clean writings do not have."""
    if len(vertices) < 3:
        return vertices
    lengths = [math.dist(p, q) for p, q in pairwise(vertices)]
    if lengths[0] < HOOK and lengths[0] < sum(lengths) / 4:
        return vertices[1:]
    return vertices


def _to_box(stroke: list[Point]) -> list[tuple[int, int]]:
    """Return the stroke in Zinnia's integer box."""
    return [(round(x * BOX), round(y * BOX)) for x, y in stroke]
