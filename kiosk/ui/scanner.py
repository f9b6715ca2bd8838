"""A keyboard-wedge scanner: it types what its code holds and presses Enter; a screen hears it while shown."""

from __future__ import annotations

from collections.abc import Callable

from kivy.core.window import Window

ENTER = 13


class WedgeScanner:
    """Collects what a scanner types (bounded) and hands it over on Enter; listens only between start() and stop()."""

    def __init__(self, on_scan: Callable[[str], object], limit: int) -> None:
        """Hand each scan to ``on_scan``; drop anything typed past ``limit`` characters."""
        self.on_scan, self.limit = on_scan, limit
        self.typed = ""

    def start(self) -> None:
        """Listen (the screen is shown)."""
        self.typed = ""
        Window.bind(on_textinput=self._text, on_key_down=self._key)

    def stop(self) -> None:
        """Stop listening and forget what was typed (the screen goes)."""
        Window.unbind(on_textinput=self._text, on_key_down=self._key)
        self.typed = ""

    def _text(self, _window: object, text: str) -> None:
        """Collect what the scanner types."""
        if len(self.typed) + len(text) <= self.limit:
            self.typed += text

    def _key(self, _window: object, key: int, *_rest: object) -> bool:
        """Hand over what was scanned when the scanner presses Enter."""
        if key != ENTER:
            return False
        payload, self.typed = self.typed, ""
        if payload:
            self.on_scan(payload)
        return True
