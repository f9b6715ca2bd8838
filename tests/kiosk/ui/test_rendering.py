"""Rendering checks at the default panel (1080×1920, 21.5″): every screen, keypad and keyboard, both orientations
and both languages, normal and in elder mode; nothing overflows its box or leaves its screen, no key is under
16 mm, and in elder mode no text under 5 mm, no target under 20 mm, no gap under 3 mm, no line spacing under 1.3.

Each orientation renders in a process of its own whose window is created at its final size (a window
resized after it exists reads back uninitialised memory), and every screenshot must pass a pixel check.
Screenshots go to a temporary folder; `make screenshots` sets YC_SCREENSHOTS to write the committed ones
(docs/screens/) with the same walk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from kiosk.ui.display import start_xvfb
from tests.common import ROOT

SCREENS = 18  # the journey's screens, the progress query, 补齐's two and the technician's three, in both languages
INPUTS = 7 + 3  # keypads and date picker steps, one language
KEYBOARDS = 5  # pinyin, letters, symbols, handwriting and its candidates, in both languages


@pytest.fixture(scope="module")
def big_display() -> Iterator[str]:
    """A virtual display that holds a 1920-pixel window either way round."""
    server, name = start_xvfb("1920x1920x24")
    yield name
    server.terminate()
    server.wait(timeout=10)


def garbage(path: Path, size: tuple[int, int]) -> str | None:
    """Return why a screenshot is not a clean picture of the window (its size, or undrawn areas), or None."""
    with Image.open(path) as image:
        if image.size != size:
            return f"{path.name}: {image.size}, the window is {size}"
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20) or []
        black = sum(count for count, colour in colours if colour == (0, 0, 0))
        if black > 0.01 * size[0] * size[1]:  # the corrupt landscape shots of before were 38 % black
            return f"{path.name}: {black} black pixels (memory the app never drew)"
        strip = pixels.crop((size[0] * 9 // 10, 0, size[0], size[1])).getcolors(maxcolors=1 << 20) or []
        if sum(count for count, colour in strip if colour == (0, 0, 0)) > 0.01 * size[0] * size[1] / 10:
            return f"{path.name}: the right edge holds undrawn memory"  # where a resized window goes wrong
    return None


@pytest.mark.parametrize("mode", ["normal", "elder"])
@pytest.mark.parametrize(("orientation", "size"), [("portrait", (1080, 1920)), ("landscape", (1920, 1080))])
def test_every_view_fits_in_both_orientations_and_languages(big_display: str, orientation: str,
                                                             size: tuple[int, int], mode: str) -> None:
    base = os.environ.get("YC_SCREENSHOTS")
    folder = orientation if mode == "normal" else f"{orientation}-elder"
    shots = Path(base or tempfile.mkdtemp(prefix="screens-")) / folder
    env = {**os.environ, "DISPLAY": big_display, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-")}
    elder = ["elder"] if mode == "elder" else []
    done = subprocess.run([sys.executable, "-m", "tests.kiosk.ui.render_walk", orientation, str(shots), *elder],
                          cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["problems"] == []
    assert len(report["shots"]) == 2 * SCREENS + INPUTS + 2 * KEYBOARDS
    assert [g for g in (garbage(shots / name, size) for name in report["shots"]) if g] == []


def test_the_pixel_check_refuses_a_window_read_back_half_undrawn(tmp_path: Path) -> None:
    picture = Image.new("RGB", (960, 540), (245, 247, 252))
    picture.save(tmp_path / "clean.png")
    picture.paste((0, 0, 0), (540, 0, 960, 540))  # as the landscape shots of a resized window came out
    picture.save(tmp_path / "torn.png")
    assert garbage(tmp_path / "clean.png", (960, 540)) is None
    assert "black pixels" in str(garbage(tmp_path / "torn.png", (960, 540)))
    assert "the window is" in str(garbage(tmp_path / "clean.png", (540, 960)))
