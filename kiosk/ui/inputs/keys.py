"""Rows of large keys: each row its own box, so a layout never wraps into odd rows whatever the width.

Every key of a keyboard has the same width (the longest row decides it); shorter rows are
centred, and a wide key (space) takes the width of several. Heights are millimetres of glass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.widget import Widget

from kiosk.ui.widgets import Caption, Themed, discard

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


@dataclass(frozen=True)
class Key:
    """One key: what it shows, what it sends (its label if empty) and how many widths it takes."""

    label: str
    sends: str = ""
    span: int = 1
    word: bool = False  # a key that says what it does (a mode, space, clear): body-sized text, like its row

    @property
    def value(self) -> str:
        """Return what a tap on this key sends."""
        return self.sends or self.label


def keys(row: str) -> list[Key]:
    """Return one key per character of ``row``."""
    return [Key(ch) for ch in row]


class KeyCap(Themed, Button):
    """One key."""


class Hint(Caption):
    """A line of body text on a keyboard's bar (the letters being typed, or what to do)."""


class WordKey(KeyCap):
    """A candidate word or character: large, for old eyes."""


class KeyRows(Themed, BoxLayout):
    """Rows of keys; every tap goes to ``on_key`` with the key's value."""

    def __init__(self, **kwargs: Any) -> None:
        """Nothing is laid out yet."""
        super().__init__(**kwargs)
        self.built: tuple[list[list[Key]], Callable[[str], Any]] | None = None
        self.words: list[KeyCap] = []  # the keys whose text is body-sized (it follows the theme)

    def build(self, rows: Sequence[Sequence[Key]], on_key: Callable[[str], Any]) -> None:
        """Lay out ``rows`` (an empty label makes a gap of one key); the same rows again are only re-sized."""
        wanted = [list(row) for row in rows]
        if self.built is None or self.built[0] != wanted or self.built[1] != on_key:
            self._lay_out(wanted, on_key)
            self.built = (wanted, on_key)
        self._fit()

    def _lay_out(self, rows: list[list[Key]], on_key: Callable[[str], Any]) -> None:
        """Make the rows' keys, every key of a keyboard as wide as the others."""
        discard(self)
        self.words = []
        widest = max(sum(k.span for k in row) for row in rows)
        for row in rows:
            line = BoxLayout(orientation="horizontal", spacing=self.spacing, size_hint_y=None)
            margin = (widest - sum(k.span for k in row)) / 2
            if margin:
                line.add_widget(Widget(size_hint_x=margin))
            for key in row:
                line.add_widget(self._key(key, on_key))
            if margin:
                line.add_widget(Widget(size_hint_x=margin))
            self.add_widget(line)

    def _fit(self) -> None:
        """Size the rows and the word keys' text for the theme now (elder mode makes them larger)."""
        theme = App.get_running_app().theme
        for line in self.children:
            line.height, line.spacing = theme.target, self.spacing
        self.height = len(self.children) * theme.target + max(0, len(self.children) - 1) * self.spacing
        for key in self.words:
            key.font_size = theme.text

    def _key(self, key: Key, on_key: Callable[[str], Any]) -> Widget:
        """Return the widget of one key (a blank label: an empty space)."""
        if not key.label:
            return Widget(size_hint_x=key.span)
        button = KeyCap(text=key.label, size_hint_x=key.span)
        if key.word:
            self.words.append(button)
        button.bind(on_release=lambda _b: on_key(key.value))
        return button
