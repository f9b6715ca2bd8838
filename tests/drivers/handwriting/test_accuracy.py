"""The recogniser on 100 common characters drawn as a finger would, stroke by stroke as the pad asks.

The issue asks for the character in the top five for at least 90 % of such a set. Zinnia with the
Tegaki model alone gets 80 % of these (and 66 % first): most misses are characters whose model was
trained in a stroke order other than the standard one the Make Me a Hanzi data follows (辶 written
first, 门 with its 丨 first, 山 with 𠃊 first). The re-ranker (drivers/handwriting/rerank.py) adds a
shape score that does not depend on stroke order. Its weights are tuned on this set (strokes.json)
only; the next 100 common characters (heldout.json) are never tuned on and show whether the tuning
generalises. The floors hold the figures reached less a small margin, so that they cannot slip
unnoticed; the run prints both sets' figures, for Zinnia alone and re-ranked.
"""

from __future__ import annotations

import pytest

from drivers.handwriting.port import Recognizer
from drivers.handwriting.rerank import RerankingRecognizer
from tests.drivers.handwriting.fingers import HELD_OUT, PAD, TUNING, draw, medians

ISSUE_TARGET = 0.90  # top five, issue #19
FLOORS = {TUNING: 0.95, HELD_OUT: 0.90}  # top five re-ranked: reached 97 % and 92 % (the test set's ≥ the target)
ZINNIA_FLOORS = {TUNING: 0.80, HELD_OUT: 0.85}  # top five, Zinnia alone: reached 80 % and 85 %


def accuracy(recognizer: Recognizer, fixture: str) -> tuple[float, float, str]:
    """Return top 1, top 5 and the characters not in the top five, for every character of a fixture."""
    chars = list(medians(fixture))
    found = {char: recognizer.recognize(draw(char, fixture), PAD, PAD) for char in chars}
    top1 = sum(found[char][:1] == [char] for char in chars) / len(chars)
    top5 = sum(char in found[char][:5] for char in chars) / len(chars)
    return top1, top5, "".join(char for char in chars if char not in found[char][:5])


def test_the_fixtures_hold_100_characters_each_with_the_two_the_issue_names() -> None:
    chars, held_out = list(medians(TUNING)), list(medians(HELD_OUT))
    assert len(chars) == len(set(chars)) == len(held_out) == len(set(held_out)) == 100
    assert {"阜", "窗"} <= set(chars)
    assert not set(chars) & set(held_out)


@pytest.mark.parametrize("fixture", [TUNING, HELD_OUT])
def test_100_common_characters_drawn_by_finger(recognizer: RerankingRecognizer, fixture: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    top1, top5, missed = accuracy(recognizer, fixture)
    zinnia_top1, zinnia_top5, zinnia_missed = accuracy(recognizer.zinnia, fixture)
    with capsys.disabled():
        print(f"\nhandwriting, {fixture} (100 common characters drawn by finger): re-ranked top 1 {top1:.0%}, "
              f"top 5 {top5:.0%} (issue target {ISSUE_TARGET:.0%} in the top 5; not in it: {missed}); "
              f"Zinnia alone top 1 {zinnia_top1:.0%}, top 5 {zinnia_top5:.0%} (not in it: {zinnia_missed})")
    assert top5 >= FLOORS[fixture]
    assert zinnia_top5 >= ZINNIA_FLOORS[fixture]


@pytest.mark.parametrize("char", ["阜", "窗"])
def test_the_characters_the_issue_names_are_in_the_top_five(recognizer: RerankingRecognizer, char: str) -> None:
    assert char in recognizer.recognize(draw(char), PAD, PAD)[:5]


@pytest.mark.parametrize("char", ["阜", "窗", "国", "这", "门"])
def test_candidates_after_every_stroke(recognizer: RerankingRecognizer, char: str) -> None:
    strokes = draw(char)
    for count in range(1, len(strokes) + 1):
        candidates = recognizer.recognize(strokes[:count], PAD, PAD)
        assert len(candidates) == 10
        assert all(len(candidate) == 1 for candidate in candidates)
    assert char in candidates[:5]


def test_the_limit_is_the_number_of_candidates(recognizer: RerankingRecognizer) -> None:
    strokes = draw("国")
    assert len(recognizer.recognize(strokes, PAD, PAD, limit=3)) == 3
    assert recognizer.recognize(strokes, PAD, PAD, limit=3) == recognizer.recognize(strokes, PAD, PAD)[:3]


def test_where_and_how_big_the_character_is_written_does_not_matter(recognizer: RerankingRecognizer) -> None:
    strokes = draw("国")
    small_in_a_corner = [[(x / 3 + 400, y / 3 + 400) for x, y in stroke] for stroke in strokes]
    on_a_wide_pad = [[(x + 300, y) for x, y in stroke] for stroke in strokes]
    assert recognizer.recognize(small_in_a_corner, PAD, PAD)[0] == "国"
    assert recognizer.recognize(on_a_wide_pad, 1200, PAD)[0] == "国"
