"""UI test fixtures: a private Xvfb display, Kivy set up once per process, and a kiosk app driven by touches.

Kivy has one window per process: the first UI test creates it on a virtual display the
fixtures start; each test builds a fresh app (fresh store, simulated card reader and printer
emulator) into it and tears it down again (tests/kiosk/ui/driver.py).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drivers.pcsc_fixtures import READER
from tests.kiosk.ui.driver import SETTINGS, Driver, running_kiosk


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """Start Xvfb on a free display number; point Kivy at it and at a private home."""
    from kiosk.ui.display import start_xvfb

    server, display_name = start_xvfb()
    os.environ["DISPLAY"] = display_name
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-home-")
    import kiosk.ui  # noqa: F401 - sets Kivy's environment before Kivy loads
    from kiosk.ui.kivyconf import configure, register_font

    configure(SETTINGS)
    register_font()
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    yield os.environ["DISPLAY"]
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def kiosk(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A portrait kiosk with a fresh encrypted store, the simulated card reader (empty tray) and the printer emulator."""
    with running_kiosk(tmp_path) as driver:
        yield driver


@pytest.fixture
def pcsc_kiosk(display: str, pcscd: object, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk whose card reader is the private pcscd's vpcd reader (`pcsc://`, as a terminal configures it)."""
    with running_kiosk(tmp_path, reader_url=f"pcsc://{READER}") as driver:
        yield driver
