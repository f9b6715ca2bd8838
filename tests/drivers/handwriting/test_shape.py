"""The shape re-ranker: the port's promises on absurd input, partial characters, limits and threads; its atlas."""

from __future__ import annotations

import logging
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from drivers.handwriting.atlas import SLOTS, Atlas, AtlasUnavailable, character, default_atlas_path, open_atlas, slot
from drivers.handwriting.ink import clean
from drivers.handwriting.port import Recognizer
from drivers.handwriting.rerank import RerankingRecognizer, nearest
from drivers.handwriting.shape import DIMENSIONS, features, ink_tile
from tests.drivers.handwriting.fingers import PAD, draw

NAN, INF = math.nan, math.inf


def test_it_implements_the_port() -> None:
    engine: Recognizer = RerankingRecognizer()
    engine.close()


@pytest.mark.parametrize("strokes", [[], [[]], [[], []], [[(NAN, NAN)]], [[(INF, 1.0), (-INF, NAN)]],
                                     [["ab"]], [[(1.0,)]], [None], "not strokes", None])
def test_empty_or_absurd_strokes_give_nothing(recognizer: RerankingRecognizer, strokes: object) -> None:
    assert recognizer.recognize(strokes, PAD, PAD) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("width", "height"), [(0, PAD), (PAD, -1), (NAN, PAD), (PAD, INF), ("600", PAD)])
def test_a_pad_of_no_size_gives_nothing(recognizer: RerankingRecognizer, width: float, height: float) -> None:
    assert recognizer.recognize(draw("国"), width, height) == []


@pytest.mark.parametrize("limit", [0, -5, 2.5, "10"])
def test_no_sensible_limit_gives_nothing(recognizer: RerankingRecognizer, limit: object) -> None:
    assert recognizer.recognize(draw("国"), PAD, PAD, limit=limit) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [1, 10, 40, 100, 10**9])
def test_the_limit_is_respected_and_bounded(recognizer: RerankingRecognizer, limit: int) -> None:
    candidates = recognizer.recognize(draw("国"), PAD, PAD, limit=limit)
    assert len(candidates) == min(limit, 100)
    assert len(set(candidates)) == len(candidates)
    assert candidates[0] == "国"


def test_one_dot_or_one_stroke_gives_candidates(recognizer: RerankingRecognizer) -> None:
    assert 1 <= len(recognizer.recognize([[(300.0, 300.0)]], PAD, PAD)) <= 10
    assert recognizer.recognize([[(100.0, 300.0), (500.0, 300.0)]], PAD, PAD)[0] == "一"


def test_a_partial_character_keeps_candidates_shaped_like_what_is_drawn(recognizer: RerankingRecognizer) -> None:
    first_two = draw("国")[:2]  # 丨 and 𠃌: an open box
    assert set(recognizer.recognize(first_two, PAD, PAD)[:5]) & {"门", "囗", "冂"}


def test_the_shape_does_not_depend_on_stroke_order_or_direction(recognizer: RerankingRecognizer) -> None:
    strokes = clean(draw("这"), PAD, PAD)
    drawn = features(ink_tile(strokes))
    assert len(drawn) == DIMENSIONS
    assert features(ink_tile(strokes[::-1])) == drawn
    backwards = [stroke[::-1] for stroke in strokes]  # rasterised a pixel apart here and there
    assert recognizer.atlas is not None
    assert nearest(recognizer.atlas.distances(features(ink_tile(backwards))), 1) == [slot("这")]


def test_a_character_written_in_another_order_is_still_found(recognizer: RerankingRecognizer) -> None:
    strokes = draw("这")
    walk_first = strokes[-3:] + strokes[:-3]  # 辶 first, as the Tegaki model learned it
    assert "这" in recognizer.recognize(strokes, PAD, PAD)[:5]
    assert "这" in recognizer.recognize(walk_first, PAD, PAD)[:5]


def test_threads_get_what_one_thread_gets(recognizer: RerankingRecognizer) -> None:
    chars = "国这阜窗门出道们和起"
    alone = [recognizer.recognize(draw(char), PAD, PAD) for char in chars]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda char: recognizer.recognize(draw(char), PAD, PAD), chars * 3))
    assert together == alone * 3


def test_after_close_it_gives_nothing() -> None:
    engine = RerankingRecognizer()
    engine.close()
    engine.close()
    assert engine.recognize(draw("国"), PAD, PAD) == []


def test_every_slot_is_one_gb2312_character() -> None:
    chars = [character(number) for number in range(SLOTS)]
    assert sum(char is not None for char in chars) == 6763
    assert all(slot(char) == number for number, char in enumerate(chars) if char is not None)
    assert [slot(text) for text in ("a", "〇", "", "国国", "𠃊")] == [None] * 5


def test_a_corrupt_or_foreign_atlas_is_refused_then_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "atlas.bin"
    shutil.copyfile(default_atlas_path(), path)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # cut short, as by a full disk
    with pytest.raises(AtlasUnavailable, match="not a shape atlas"):
        Atlas(path)
    path.write_bytes(good.replace(good[12:28], b"0" * 16, 1))  # another builder's signature
    with pytest.raises(AtlasUnavailable, match="not a shape atlas"):
        Atlas(path, default_atlas_path().stem.removeprefix("atlas-"))
    rebuilt = open_atlas(path)  # rebuilt in about 8 s
    rebuilt.close()
    assert path.read_bytes() == good


def test_a_missing_atlas_is_built_where_asked(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "atlas.bin"
    engine = RerankingRecognizer(atlas=path)
    assert path.is_file()
    assert path.stat().st_size == len(default_atlas_path().read_bytes())
    assert engine.recognize(draw("这"), PAD, PAD)[0] == "这"
    engine.close()


def test_without_the_font_it_says_so_and_keeps_zinnias_order(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(AtlasUnavailable, match="fonts-wqy-microhei"):
        open_atlas(tmp_path / "atlas.bin", tmp_path / "no-font.ttc")
    with caplog.at_level(logging.WARNING, logger="drivers.handwriting.rerank"):
        engine = RerankingRecognizer(atlas=tmp_path / "atlas.bin", font=tmp_path / "no-font.ttc")
    assert engine.atlas is None
    assert "fonts-wqy-microhei" in caplog.text
    assert engine.recognize(draw("国"), PAD, PAD) == engine.zinnia.recognize(draw("国"), PAD, PAD)
    engine.close()
