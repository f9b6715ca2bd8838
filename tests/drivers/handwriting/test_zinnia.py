"""The Zinnia backend on absurd input, from several threads, and when its library or model is missing."""

from __future__ import annotations

import math
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from drivers.handwriting.port import HandwritingUnavailable, Recognizer
from drivers.handwriting.zinnia import LIBRARY, LIBRARY_PACKAGE, MODEL, MODEL_PACKAGE, ZinniaRecognizer
from tests.drivers.handwriting.fingers import PAD, draw

NAN, INF = math.nan, math.inf


@pytest.fixture(scope="module")
def zinnia() -> Iterator[ZinniaRecognizer]:
    recognizer = ZinniaRecognizer()
    yield recognizer
    recognizer.close()


def test_it_implements_the_port_and_looks_where_the_debian_packages_put_their_files() -> None:
    recognizer: Recognizer = ZinniaRecognizer()
    recognizer.close()
    model_files = subprocess.run(["dpkg", "-L", MODEL_PACKAGE], capture_output=True, text=True, check=True).stdout
    library_files = subprocess.run(["dpkg", "-L", LIBRARY_PACKAGE], capture_output=True, text=True, check=True).stdout
    assert str(MODEL) in model_files.splitlines()
    assert any(line.endswith(f"/{LIBRARY}") for line in library_files.splitlines())


@pytest.mark.parametrize("strokes", [[], [[]], [[], []], [[(NAN, NAN)]], [[(INF, 1.0), (-INF, NAN)]],
                                     [["ab"]], [[(1.0,)]], [None], "not strokes", None])
def test_empty_or_absurd_strokes_give_nothing(zinnia: ZinniaRecognizer, strokes: object) -> None:
    assert zinnia.recognize(strokes, PAD, PAD) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("width", "height"), [(0, PAD), (PAD, -1), (NAN, PAD), (PAD, INF), ("600", PAD)])
def test_a_pad_of_no_size_gives_nothing(zinnia: ZinniaRecognizer, width: float, height: float) -> None:
    assert zinnia.recognize(draw("国"), width, height) == []


@pytest.mark.parametrize("limit", [0, -5])
def test_no_candidates_asked_for_gives_none(zinnia: ZinniaRecognizer, limit: int) -> None:
    assert zinnia.recognize(draw("国"), PAD, PAD, limit=limit) == []


def test_a_huge_limit_is_bounded(zinnia: ZinniaRecognizer) -> None:
    assert len(zinnia.recognize(draw("国"), PAD, PAD, limit=10**9)) == 100


def test_one_dot_gives_a_few_candidates(zinnia: ZinniaRecognizer) -> None:
    assert 1 <= len(zinnia.recognize([[(300.0, 300.0)]], PAD, PAD)) <= 10


def test_points_off_the_pad_or_not_finite_are_clamped_or_dropped(zinnia: ZinniaRecognizer) -> None:
    strokes = draw("国")
    spoiled = [[(NAN, 5.0), *stroke, (INF, INF)] for stroke in strokes]
    assert zinnia.recognize(spoiled, PAD, PAD) == zinnia.recognize(strokes, PAD, PAD)
    negative = [[(x - 1000, y - 1000) for x, y in stroke] for stroke in strokes]
    assert len(zinnia.recognize(negative, PAD, PAD)) == 10  # everything clamped to the corner: a dot


def test_a_thousand_strokes_do_not_stall_it(zinnia: ZinniaRecognizer) -> None:
    strokes = [[(float(i % PAD), 10.0), (float(i % PAD), 590.0)] * 10 for i in range(1000)]
    started = time.monotonic()
    assert len(zinnia.recognize(strokes, PAD, PAD)) <= 10
    assert time.monotonic() - started < 5  # bounded to 64 strokes; unbounded it would be far slower


def test_a_runaway_spiral_stroke_does_not_stall_it(zinnia: ZinniaRecognizer) -> None:
    spiral = [(300 + i / 400 * math.cos(i / 50), 300 + i / 400 * math.sin(i / 50)) for i in range(100_000)]
    started = time.monotonic()
    assert len(zinnia.recognize([spiral], PAD, PAD)) <= 10
    assert time.monotonic() - started < 5


def test_threads_share_one_recognizer_one_call_at_a_time(zinnia: ZinniaRecognizer) -> None:
    chars = "阜窗国的是人"
    expected = [zinnia.recognize(draw(char), PAD, PAD) for char in chars]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            assert list(pool.map(lambda char: zinnia.recognize(draw(char), PAD, PAD), chars)) == expected


def test_after_close_it_gives_nothing_and_closes_again_quietly() -> None:
    recognizer = ZinniaRecognizer()
    recognizer.close()
    recognizer.close()
    assert recognizer.recognize(draw("国"), PAD, PAD) == []


def test_a_missing_model_says_which_package_to_install(tmp_path: Path) -> None:
    with pytest.raises(HandwritingUnavailable) as raised:
        ZinniaRecognizer(model=tmp_path / "handwriting-zh_CN.model")
    assert raised.value.package == "tegaki-zinnia-simplified-chinese"
    assert "handwriting-zh_CN.model is missing: install the Debian package tegaki-zinnia-simplified-chinese" in str(
        raised.value)
    assert raised.value.citizen.zh.startswith("手写输入暂时无法使用")


@pytest.mark.parametrize("content", [b"", b"not a zinnia model" * 10])
def test_a_broken_model_says_to_reinstall_it(tmp_path: Path, content: bytes) -> None:
    model = tmp_path / "broken.model"
    model.write_bytes(content)
    with pytest.raises(HandwritingUnavailable, match=r"is not a Zinnia model.*apt-get install --reinstall "
                                                     r"tegaki-zinnia-simplified-chinese"):
        ZinniaRecognizer(model=model)


@pytest.mark.parametrize(("library", "words"), [("libzinnia-missing.so.0", "cannot be loaded"),
                                                ("libc.so.6", "is not Zinnia's library")])
def test_a_missing_library_says_which_package_to_install(library: str, words: str) -> None:
    with pytest.raises(HandwritingUnavailable, match=f"{words}.*install the Debian package libzinnia0") as raised:
        ZinniaRecognizer(library=library)
    assert raised.value.package == "libzinnia0"
