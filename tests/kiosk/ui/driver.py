"""Drive the kiosk as a citizen would: touches on real widgets, frames pumped by hand, a fresh app per test."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.config import UiSection

SETTINGS = UiSection(fullscreen=False, width_px=540, height_px=960, panel_inches=10.8, idle_timeout_s=60,
                     warning_s=30)


def ancestors(widget: Any) -> Iterator[Any]:
    """Yield the widget, its parents, and last the window (which is its own parent)."""
    while widget is not None and widget is not widget.parent:
        yield widget
        widget = widget.parent
    if widget is not None:
        yield widget


@dataclass
class Driver:
    """Drive the app as a citizen would: touches on real widgets, frames pumped by hand."""

    app: Any
    store: Any
    reader: Any
    printer: Any

    def frames(self, count: int = 3) -> None:
        """Run ``count`` frames (input, clock, drawing)."""
        from kivy.base import EventLoop

        for _ in range(count):
            EventLoop.idle()

    def until(self, check: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
        """Pump frames until ``check`` holds."""
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what or check}; on {self.screen}"
            self.frames(1)
            time.sleep(0.01)

    @property
    def screen(self) -> str:
        """Return the current screen's name."""
        return str(self.app.manager.current)

    def widgets(self) -> list[Any]:
        """Return every widget in the window."""
        return list(self.app.root.walk())

    def texts(self) -> list[str]:
        """Return the text of every widget showing some."""
        return [str(w.text) for w in self.widgets() if getattr(w, "text", "")]

    def find(self, text: str, *, partial: bool = False) -> Any:
        """Return the visible, enabled button showing ``text``."""
        from kivy.uix.button import Button

        for widget in self.widgets():
            if isinstance(widget, Button) and not widget.disabled and widget.opacity > 0 and (
                    (text in widget.text) if partial else widget.text == text) and widget.get_root_window():
                return widget
        raise AssertionError(f"no button {text!r} on {self.screen}: {self.texts()}")

    def tap(self, text: str, *, partial: bool = False) -> None:
        """Touch the button showing ``text`` (scrolled into view first), as a finger would."""
        self.frames(2)  # lay out whatever the last frame changed
        self.touch(self.find(text, partial=partial))

    def touch(self, widget: Any) -> None:
        """Scroll ``widget`` into view if it is in a scroll view, then touch its centre."""
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.scrollview import ScrollView

        view = next((w for w in ancestors(widget) if isinstance(w, ScrollView)), None)
        if view is not None:
            content = view.children[0]
            if content.height > view.height:
                bottom = widget.to_window(widget.x, widget.y)[1] - content.to_window(content.x, content.y)[1]
                middle = bottom + widget.height / 2 - view.height / 2  # as a finger scrolls it to the middle
                view.scroll_y = min(1.0, max(0.0, middle / (content.height - view.height)))
                self.frames(3)
        x, y = widget.to_window(*widget.center)
        if view is not None:
            left, low = view.to_window(*view.pos)
            assert left <= x <= left + view.width, f"{widget.text!r} off screen"
            assert low <= y <= low + view.height, f"{widget.text!r} off screen (y {y:.0f}, view {low:.0f}+{view.height:.0f})"
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.frames(2)


@contextmanager
def running_kiosk(tmp_path: Path, settings: UiSection = SETTINGS, reader_url: str = "sim://?timeout=1",
                  opens: threading.Event | None = None) -> Iterator[Driver]:
    """Build a kiosk app into the window (sized to ``settings``) with a fresh store and simulated devices.

    ``opens``: the app starts as `kiosk run` does, home first, and its terminal opens once the event is set.
    """
    from kivy.core.window import Window

    from domain.catalog_loader import load_catalog
    from domain.data import SAMPLE_CATALOG
    from drivers.cardreader.factory import open_card_reader
    from drivers.printer.factory import open_printer
    from kiosk.services.startup import Startup
    from kiosk.services.terminal import Kiosk
    from kiosk.ui.app import KioskApp
    from tests.kiosk.store.helpers import open_test_store

    Window.size = (settings.width_px, settings.height_px)
    catalog = load_catalog(SAMPLE_CATALOG)
    store = open_test_store(tmp_path / "terminal")
    reader = open_card_reader(reader_url)
    reader.open()
    printer = open_printer("sim://")
    context = Kiosk(catalog, catalog.hall("lc-center"), "LC0001", store, reader, printer, settings,
                    lambda: datetime.now(UTC))
    context.writing.warm()  # a kiosk that has been up a while: its input engines are loaded

    def open_terminal() -> Kiosk:
        """Hand over the terminal once the test lets it open."""
        assert opens is not None
        assert opens.wait(60)
        return context

    app = KioskApp(context if opens is None else Startup(catalog, context.hall, settings, open_terminal))
    app._run_prepare()
    driver = Driver(app, store, reader, printer)
    driver.frames(5)
    try:
        yield driver
    finally:
        app.dispatch("on_stop")  # (not on_stop(): kv's `app` proxy forgets the app on the event)
        if opens is not None:
            opens.set()  # a terminal still opening is dropped by the stopped app
        reader.close()
        printer.close()
        printer.emulator.stop()
        store.close()
