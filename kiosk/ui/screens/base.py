"""What every screen has: a spoken prompt, a refresh on language change, and a wipe when the session ends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def load_kv(module_file: str) -> None:
    """Load the .kv beside a screen module."""
    Builder.load_file(str(Path(module_file).with_suffix(".kv")))


class KioskScreen(Screen):
    """A screen of the citizen's journey."""

    prompt = "Welcome"  # msgid of what voice guidance says on entering (a later issue speaks it)

    @property
    def kiosk_app(self) -> KioskApp:
        """Return the running app."""
        app: Any = App.get_running_app()
        return app  # type: ignore[no-any-return]

    def show(self) -> None:
        """Fill the screen from the session (called on entering and on a language change)."""

    def wipe(self) -> None:
        """Drop everything the screen shows of a citizen (called when a session ends)."""
        for widget in self.walk(restrict=True):
            if getattr(widget, "personal", False):
                _blank(widget)


def _blank(widget: Widget) -> None:
    """Empty a widget that showed personal data."""
    if hasattr(widget, "text"):
        widget.text = ""
    widget.clear_widgets()
