"""The accessibility report's thresholds, measured from the widgets of every screen (a subset of `make accessibility`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from kiosk.ui.display import start_xvfb
from tests.common import ROOT
from tests.kiosk.ui.a11y_rules import failures


@pytest.fixture(scope="module")
def big_display() -> Iterator[str]:
    """A virtual display that holds a 1920-pixel window either way round."""
    server, name = start_xvfb("1920x1920x24")
    yield name
    server.terminate()
    server.wait(timeout=10)


def measured(display: str, *args: str) -> list[dict[str, object]]:
    """Run the measuring walk in its own process (the window opens at its final size) and return its rows."""
    env = {**os.environ, "DISPLAY": display, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-")}
    done = subprocess.run([sys.executable, "-m", "tests.kiosk.ui.accessibility", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.parametrize("modes", [("elder", "high"), ()])
def test_every_screen_meets_the_reports_thresholds(big_display: str, modes: tuple[str, ...]) -> None:
    rows = measured(big_display, "portrait", *modes)
    assert {row["view"] for row in rows} >= {"home", "form", "review", "receipt", "identify", "idle-warning"}
    assert failures(rows, modes) == []


def test_the_thresholds_catch_a_screen_below_them() -> None:
    row = {"view": "home", "lang": "zh", "text_mm": 4.5, "line": 1.3, "target_mm": 20.8, "gap_mm": 3.1,
           "text_contrast": 6.0, "cue_contrast": 3.2, "answer_s": 60, "prompt": ""}
    found = failures([row], ("elder", "high"))
    assert [f.split(": ")[0] for f in found] == [
        "home [zh] MIIT 适老化 smallest text (mm)", "home [zh] WCAG 2.2 1.4.6 (high contrast) lowest text contrast (:1)",
        "home [zh] EN 301 549 §5.1.3 characters of the spoken prompt"]
    assert failures([row], ()) == ["home [zh] EN 301 549 §5.1.3 characters of the spoken prompt: 0 < 1"]
