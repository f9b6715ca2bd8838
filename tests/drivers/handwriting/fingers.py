"""Characters as a finger draws them on a writing pad: Make Me a Hanzi's medians, traced with a wobble."""

from __future__ import annotations

import json
import math
import random
from functools import cache
from itertools import pairwise
from pathlib import Path

PAD = 600  # px, a square writing pad
STEP = 4.0  # px between touch samples
WOBBLE = 2.5  # px, the most a sample strays from the median

TUNING = "strokes.json"  # 100 common characters: the set the recogniser is tuned and tested on
HELD_OUT = "heldout.json"  # the next 100: never tuned on, to show that the tuning generalises

Stroke = list[tuple[float, float]]


@cache
def medians(fixture: str = TUNING) -> dict[str, list[list[list[int]]]]:
    """Return the fixture's characters (in frequency order) and their medians in a 0–1000 box, y down."""
    data = json.loads((Path(__file__).parent / fixture).read_text(encoding="utf-8"))
    assert data["box"] == 1000
    return data["characters"]


def draw(char: str, fixture: str = TUNING) -> list[Stroke]:
    """Return the character as touch samples on the pad: placed at a size and spot of its own, traced with a wobble.

    The size (60–95 % of the pad) and spot are drawn from a generator seeded by the character, so every run
    draws the same strokes.
    """
    rng = random.Random(f"finger {char}")
    size = rng.uniform(0.6, 0.95) * PAD
    left, top = rng.uniform(0, PAD - size), rng.uniform(0, PAD - size)
    strokes = []
    for median in medians(fixture)[char]:
        corners = [(left + x / 1000 * size, top + y / 1000 * size) for x, y in median]
        strokes.append([(x + rng.uniform(-WOBBLE, WOBBLE), y + rng.uniform(-WOBBLE, WOBBLE)) for x, y in _trace(corners)])
    return strokes


def _trace(corners: Stroke) -> Stroke:
    """Return points every STEP px along the polyline through ``corners``."""
    points = []
    for (x0, y0), (x1, y1) in pairwise(corners):
        steps = max(1, int(math.dist((x0, y0), (x1, y1)) / STEP))
        points += [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps)]
    return [*points, corners[-1]]
