"""Kiosk mode is set before the window exists: fullscreen, borderless, no cursor, no exit on Escape, one input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from tests.common import ROOT

PROBE = """
import json, kiosk.ui
from kivy.config import Config
from kiosk.config import UiSection
from kiosk.ui.kivyconf import configure
configure(UiSection(fullscreen={fullscreen}))
print(json.dumps({{"fullscreen": Config.get("graphics", "fullscreen"), "borderless": Config.get("graphics", "borderless"),
    "cursor": Config.get("graphics", "show_cursor"), "escape": Config.get("kivy", "exit_on_escape"),
    "inputs": dict(Config.items("input")), "size": [Config.get("graphics", "width"), Config.get("graphics", "height")]}}))
"""


def probe(fullscreen: bool) -> dict[str, object]:
    """Configure Kivy in a fresh process (its configuration is process-wide) and report the result."""
    env = {**os.environ, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-"), "KIVY_NO_CONSOLELOG": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE.format(fullscreen=fullscreen)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_kiosk_mode_takes_the_whole_screen_and_only_the_touchscreen() -> None:
    kiosk = probe(True)
    assert (kiosk["fullscreen"], kiosk["borderless"], kiosk["cursor"], kiosk["escape"]) == ("auto", "1", "0", "0")
    assert "mouse" not in kiosk["inputs"]  # type: ignore[operator]
    assert kiosk["size"] == ["1080", "1920"]


def test_windowed_mode_keeps_the_mouse_without_emulated_multitouch() -> None:
    windowed = probe(False)
    assert windowed["escape"] == "0"
    assert windowed["inputs"]["mouse"] == "mouse,disable_multitouch"  # type: ignore[index]
