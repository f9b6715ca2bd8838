"""Finger strokes to Zinnia's ink: bounded, centred, reduced to the vertices Zinnia would find."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from drivers.handwriting.ink import BOX, MARGIN, MAX_POINTS, MAX_STROKES, clean, prepare

PAD = 600.0
coordinate = st.floats(allow_nan=True, allow_infinity=True) | st.floats(-100, 700)
strokes = st.lists(st.lists(st.tuples(coordinate, coordinate), max_size=40), max_size=80)


@given(strokes, st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_any_input_gives_bounded_integer_ink_in_the_box(raw: list[list[tuple[float, float]]], width: float,
                                                        height: float) -> None:
    ink = prepare(raw, width, height)
    assert len(ink) <= MAX_STROKES
    for stroke in ink:
        assert 1 <= len(stroke) <= 2**5 + 1
        assert all(isinstance(v, int) and 0 <= v <= BOX for point in stroke for v in point)


def test_the_character_is_centred_and_fills_the_box_less_the_margins() -> None:
    ink = prepare([[(10.0, 20.0), (110.0, 20.0)], [(60.0, 0.0), (60.0, 50.0)]], PAD, PAD)
    assert ink == [[(150, 465), (850, 465)], [(500, 325), (500, 675)]]
    assert (850 - 150) / BOX == 1 - 2 * MARGIN


def test_a_dot_stays_a_dot() -> None:
    assert prepare([[(5.0, 5.0), (6.0, 6.0)]], PAD, PAD) == [[(495, 495), (505, 505)]]


def test_a_straight_stroke_keeps_its_ends_and_a_corner_is_kept() -> None:
    line = [(100.0 + i, 300.0) for i in range(301)]
    corner = [(100.0, 100.0 + i) for i in range(0, 300, 2)] + [(100.0 + i, 400.0) for i in range(0, 301, 2)]
    assert len(prepare([line], PAD, PAD)[0]) == 2
    assert prepare([corner], PAD, PAD)[0] == [(150, 150), (150, 850), (850, 850)]


def test_the_finger_landing_is_dropped_but_a_final_hook_is_kept() -> None:
    landing = [(80.0, 130.0), (100.0, 100.0), (400.0, 100.0), (400.0, 400.0)]
    hooked = [(100.0, 100.0), (400.0, 100.0), (400.0, 400.0), (370.0, 370.0)]
    assert len(prepare([landing], PAD, PAD)[0]) == 3
    assert len(prepare([hooked], PAD, PAD)[0]) == 4


def test_a_long_stroke_is_thinned_evenly_keeping_its_ends() -> None:
    long = [(300 + 250 * math.cos(i / 900), 300 + 250 * math.sin(i / 900)) for i in range(5000)]
    (thinned,) = clean([long], PAD, PAD)
    assert len(thinned) == MAX_POINTS
    assert thinned[0] == long[0]
    assert thinned[-1] == long[-1]


def test_points_are_clamped_to_the_pad_and_repeats_dropped() -> None:
    assert clean([[(-5.0, 700.0), (-9.0, 800.0), (math.nan, 1.0), (3.0, 4.0)]], PAD, PAD) == [
        [(0.0, 600.0), (3.0, 4.0)]
    ]
