"""The kiosk commands as an operator starts them: `kiosk demo` opens the window with the demo panel, whose
card tray puts a sample card on the simulated reader; without a display the commands refuse in words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from main import cli
from tests.common import ROOT

SMOKE = """
import json, sys
from kivy.app import App
from kivy.clock import Clock

def started(app):
    def look(_dt):
        panel = app.panel
        tray = [b.text for b in panel.ids.cards.children][::-1]
        next(b for b in panel.ids.cards.children if b.text == "张三丰").dispatch("on_release")
        on_reader = app.reader.simulator.card is not None
        print(json.dumps({"screen": app.manager.current, "tray": tray, "card_on_reader": on_reader,
                          "window": list(app.root.size)}), flush=True)
        app.stop()
    Clock.schedule_once(look, 1.0)

App.on_start = started
from main import cli
cli(["kiosk", "demo", "--data", sys.argv[1]])
"""


def test_kiosk_demo_opens_with_the_card_tray(display: str) -> None:
    data = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    env = {**os.environ, "DISPLAY": display, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-")}
    done = subprocess.run([sys.executable, "-c", SMOKE, str(data)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "home"
    assert seen["tray"][0] == "张三丰"
    assert seen["card_on_reader"] is True
    assert seen["window"] == [810, 960]  # half the configured panel, and half as wide again for the panel
    assert (data / "store.db").exists()


def test_without_a_display_the_kiosk_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "SDL_VIDEODRIVER"}}
    result = CliRunner().invoke(cli, ["kiosk", "run", "--windowed"], env={**env, "DISPLAY": ""})
    assert result.exit_code == 1
    assert "no display" in result.output
