"""Tune the handwriting re-ranker's weights on the test set (strokes.json) only; report it and the held-out set.

Run `python scripts/tune_handwriting.py` from the repository's root. Each character of a fixture is
drawn as a finger would (tests/drivers/handwriting/fingers.py), Zinnia's 100 best and the atlas's
distances are taken once, then every combination of the grid below is ranked. The best on the
test set (most in the top five, then most first, then the weights nearest the middle of the grid)
is printed beside what it gives on heldout.json, which takes no part in the choice: paste it into
drivers/handwriting/rerank.py's WEIGHTS when it changes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drivers.handwriting.ink import clean  # after the path is set
from drivers.handwriting.rerank import WEIGHTS, RerankingRecognizer, Weights, nearest, rank
from tests.drivers.handwriting.fingers import HELD_OUT, PAD, TUNING, draw, medians

GRID: dict[str, tuple[float, ...]] = {
    "depth": (5, 10, 20, 30, 60),
    "shape": (0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8),
    "missing": (0.0, 0.1, 0.2, 0.4, 0.8, 1.6),
    "neighbours": (0, 5, 10, 20, 40),
}


@dataclass(frozen=True)
class Drawn:
    """One character as drawn, with what the engines said about it."""

    char: str
    scored: list[tuple[str, float]]
    distances: list[float]
    near: list[int]
    strokes: int


def observe(recognizer: RerankingRecognizer, fixture: str) -> list[Drawn]:
    """Return every character of a fixture as drawn, with Zinnia's 100 best and the atlas's distances."""
    if recognizer.atlas is None:
        raise SystemExit("the shape atlas is needed to tune the weights (see the warning above)")
    found = []
    for char in medians(fixture):
        strokes = clean(draw(char, fixture), PAD, PAD)
        distances = recognizer.atlas.distances(recognizer.query(strokes))
        found.append(Drawn(char, recognizer.zinnia.scored(strokes, PAD, PAD, 100), distances,
                           nearest(distances, int(max(GRID["neighbours"]))), len(strokes)))
    return found


def accuracy(drawn: list[Drawn], weights: Weights | None) -> tuple[float, float]:
    """Return top 1 and top 5 with these weights (None: Zinnia alone)."""
    top1 = top5 = 0
    for one in drawn:
        if weights is None:
            ranked = [char for char, _score in one.scored]
        else:
            ranked = rank(one.scored, one.distances, one.near, one.strokes, weights)
        top1 += ranked[:1] == [one.char]
        top5 += one.char in ranked[:5]
    return top1 / len(drawn), top5 / len(drawn)


def tune(drawn: list[Drawn]) -> Weights:
    """Return the grid's best weights on ``drawn``: most in the top five, then first, then nearest the middle."""
    def middle(weights: Weights) -> float:
        return sum(abs(GRID[name].index(getattr(weights, name)) - (len(GRID[name]) - 1) / 2) for name in GRID)

    candidates = [Weights(depth=int(depth), shape=shape, missing=missing, neighbours=int(neighbours))
                  for depth, shape, missing, neighbours in product(*GRID.values())]
    return max(candidates, key=lambda weights: (*reversed(accuracy(drawn, weights)), -middle(weights)))


def main() -> int:
    """Tune on the test set; print each set's figures for Zinnia alone, the current weights and the tuned ones."""
    recognizer = RerankingRecognizer()
    sets = {"test set (tuned on)": observe(recognizer, TUNING), "held-out set (never tuned on)": observe(
        recognizer, HELD_OUT)}
    tuned = tune(sets["test set (tuned on)"])
    for name, drawn in sets.items():
        for label, weights in (("Zinnia alone", None), ("current WEIGHTS", WEIGHTS), ("tuned", tuned)):
            top1, top5 = accuracy(drawn, weights)
            print(f"{name}: {label}: top 1 {top1:.0%}, top 5 {top5:.0%}")
    print(f"tuned on the test set: {tuned}")
    recognizer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
