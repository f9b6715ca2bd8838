"""The kiosk commands as an operator starts them: `kiosk demo` opens the window with the demo panel, whose
card tray puts a sample card on the simulated reader; without a display the commands refuse in words."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from demo.kiosk_demo import PANEL_SHARE
from kiosk.ui.display import fit
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
        before = app.kiosk.catalog.version
        next(w for w in app.panel.walk() if getattr(w, "text", "") == "Publish a catalog change").dispatch("on_release")

        def switched(_dt):
            if app.panel.ids.release.text.startswith("release") and not app.between.running:
                app.between.poll()  # the 5-second poll, now: no citizen is in a session
            if app.kiosk.catalog.version == before:
                return
            print(json.dumps({"screen": app.manager.current, "tray": tray, "card_on_reader": on_reader,
                              "window": list(app.root.size), "kiosk": list(app.root.children[-1].size),
                              "display": FOUND, "catalog": [before, app.kiosk.catalog.version],
                              "served": app.panel.ids.serving.text, "release": app.panel.ids.release.text}),
                  flush=True)
            app.stop()
        Clock.schedule_interval(switched, 0.5)
    Clock.schedule_once(look, 1.0)

App.on_start = started
from kiosk.ui.display import screen_size
FOUND = screen_size()  # what the demo finds too, asked the same way just before it
from main import cli
cli(["kiosk", "demo", "--data", sys.argv[1]])
"""


def test_kiosk_demo_opens_with_the_card_tray_and_serves_a_published_catalog_change(display: str) -> None:
    data = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # where systemd would listen (Type=notify)
    notify.bind(str(data / "notify"))
    notify.settimeout(0.1)
    env = {**os.environ, "DISPLAY": display, "KIVY_HOME": tempfile.mkdtemp(prefix="kivy-home-"),
           "NOTIFY_SOCKET": str(data / "notify"), "WATCHDOG_USEC": "1000000"}
    done = subprocess.run([sys.executable, "-c", SMOKE, str(data)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    told = _drained(notify)
    assert told[0] == "READY=1\nSTATUS=citizen screens shown"  # once the UI loop runs
    assert "WATCHDOG=1" in told  # the UI loop fed the watchdog
    assert told[-1] == "STOPPING=1"
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["screen"] == "home"
    assert seen["tray"][0] == "张三丰"
    assert seen["card_on_reader"] is True
    width, height = seen["kiosk"]
    assert abs(width / height - 1080 / 1920) < 0.005  # the configured panel's aspect (it was squeezed to 324 px wide)
    found = seen["display"] or (1920, 1080)  # the display's size as the demo can learn it (tests/.../test_display.py)
    assert seen["display"] in ([1280, 1280], None)  # this Xvfb's screen, when X answers the query
    assert (width, height) == fit((1080, 1920), tuple(found), beside=PANEL_SHARE)  # as large as it allows
    assert seen["window"] == [width + round(width * PANEL_SHARE), height]  # and the demo panel beside it
    assert (data / "store.db").exists()
    before, after = seen["catalog"]  # the panel's "Publish a catalog change": signed, staged, served between sessions
    assert after == f"{before}-demo1"
    assert seen["release"].startswith("release 1 (")


def _drained(sock: socket.socket) -> list[str]:
    """Return every datagram waiting on ``sock``."""
    messages = []
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            return messages


def test_without_a_display_the_kiosk_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "SDL_VIDEODRIVER"}}
    result = CliRunner().invoke(cli, ["kiosk", "run", "--windowed"], env={**env, "DISPLAY": ""})
    assert result.exit_code == 1
    assert "no display" in result.output


def test_a_window_for_a_panel_keeps_its_aspect_and_fits_the_screen() -> None:
    assert fit((1080, 1920), (1920, 1080), beside=0.5) == (547, 972)  # a laptop: 90 % of its height
    assert fit((1920, 1080), (1920, 1080), beside=0.5) == (1152, 648)  # a landscape panel: limited by the width
    assert fit((540, 960), (3840, 2160), beside=0.5) == (540, 960)  # never larger than the panel itself
