"""What every screen has: a spoken prompt, a refresh on language change, a wipe when the session ends, its own theme.

A screen's kv rules say ``root.theme``: the screen on view is restyled when elder mode or the palette
changes, and each other one as the screen manager puts it on view again (``Themed.on_parent``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.services.session import Session
from kiosk.ui.widgets import Themed, discard

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp


def load_kv(module_file: str) -> None:
    """Load the .kv beside a screen module."""
    Builder.load_file(str(Path(module_file).with_suffix(".kv")))


class KioskScreen(Themed, Screen):
    """A screen of the citizen's journey."""

    prompt = "Welcome"  # msgid of what voice guidance says on entering (a later issue speaks it)

    @property
    def kiosk_app(self) -> KioskApp:
        """Return the running app."""
        app: Any = App.get_running_app()
        return app  # type: ignore[no-any-return]

    def show(self) -> None:
        """Fill the screen from the session (called on entering and on a language change)."""

    def words(self) -> str:
        """Return the text the screen shows (the time it takes to read holds off the idle warning)."""
        return "\n".join(str(w.text) for w in self.walk() if isinstance(w, Label) and w.text)

    def begin(self) -> Session | None:
        """Empty the content area and return the session to fill it from (None: there is nothing to show)."""
        discard(self.ids.content)
        return self.kiosk_app.session

    def wipe(self) -> None:
        """Drop everything the screen shows of a citizen (called when a session ends)."""
        if "content" in self.ids:
            discard(self.ids.content)
