"""Home before the terminal opens: the kiosk draws home first and opens its store and devices after that frame.

Until they are open the top bar says 准备中, and a touch that needs them is answered at once and
carried out once they are; screens other than home are made after the start, in the language shown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.catalog import CATEGORY_NAMES, Category
from tests.common import ROOT
from tests.kiosk.ui.driver import Driver, running_kiosk

WAIT = "终端正在准备，您的选择稍后打开。"
FIRST_FRAME = """
import sys
from kiosk.cli import kiosk_cmd
from kiosk.services import catalogs, startup
from kiosk.ui import launch
from kiosk.ui.app import KioskApp
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.fixture
def opens() -> threading.Event:
    """Set to let the terminal open."""
    return threading.Event()


@pytest.fixture
def starting(display: str, tmp_path: Path, opens: threading.Event) -> Iterator[Driver]:
    """A kiosk started as `kiosk run` starts it, whose store and devices open when the test says so."""
    with running_kiosk(tmp_path, opens=opens) as driver:
        yield driver


def status(kiosk: Driver) -> str:
    """Return what the top bar says of the terminal."""
    return str(kiosk.app.root.ids.status.text)


def test_home_is_drawn_before_the_terminal_opens_and_a_service_chosen_meanwhile_opens_after(
        starting: Driver, opens: threading.Event) -> None:
    assert starting.screen == "home"
    assert status(starting) == "准备中…"
    assert not starting.app.ready
    starting.tap(CATEGORY_NAMES[Category.SOCIAL_SECURITY].zh, partial=True)  # browsing needs no store
    starting.tap("社会保障卡申领")
    assert starting.screen == "home"  # the touch is answered, not lost
    assert WAIT in starting.texts()
    assert starting.app.session is None
    opens.set()
    starting.until(lambda: starting.screen == "guide", what="the chosen service, once the terminal is open")
    assert starting.app.session.offering.code == "SB-001"
    assert status(starting) == "政务服务自助终端"
    assert WAIT not in starting.texts()


def test_touches_before_the_terminal_opens_are_carried_out_in_order(
        starting: Driver, opens: threading.Event) -> None:
    starting.tap("长辈模式：关")  # elder mode turns voice guidance on: it waits for the speaker
    starting.tap("查询进度")
    assert starting.screen == "home"
    assert not starting.app.elder
    opens.set()
    starting.until(lambda: starting.screen == "progress", what="the progress query")
    assert starting.app.elder
    assert starting.app.kiosk.voice.on


def test_a_screen_is_made_when_first_shown_and_follows_the_language(starting: Driver, opens: threading.Event) -> None:
    app = starting.app
    assert app.manager.screen_names == ["home"]  # only home is made for the first frame
    starting.tap("English")
    assert status(starting) == "Getting ready…"
    opens.set()
    starting.until(lambda: app.ready, what="the terminal open")
    starting.tap("Check progress")  # made now (or just before, after the start), in English
    assert starting.screen == "progress"
    assert "Tap the keys below" in starting.texts()
    starting.tap("中文")
    assert "请点按下方的按键输入" in starting.texts()
    starting.until(lambda: {"guide", "notice", "identify", "form"} <= set(app.manager.screen_names),
                   what="the journey's screens made after the start")


def test_what_draws_the_first_frame_imports_no_database_device_or_network_library(display: str) -> None:
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120, check=True)
    loaded = set(done.stdout.split())
    assert "kivy" in loaded  # the window's own
    assert loaded & {"sqlalchemy", "alembic", "paho", "escpos", "smartcard", "serial", "usb", "pypinyin"} == set()
