"""Widgets every screen uses: big buttons, wrapping labels, keypads for digits and ID numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

ID_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "←")
BACKSPACE = "←"
DIGIT_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "←")


class BigButton(Button):
    """A touch target sized in millimetres of glass."""


class Body(Label):
    """Text that wraps to its width and grows to its height."""


class Title(Label):
    """A screen heading."""


class ValueButton(BigButton):
    """A field's answer as a button: tapping it opens the field's input; the field being typed is marked."""

    active = BooleanProperty(False)


class Keypad(GridLayout):
    """Digits (and X for ID numbers) typed into ``value``; never a system keyboard for numbers."""

    value = StringProperty("")
    max_length = NumericProperty(18)
    on_change = ObjectProperty(None, allownone=True)

    def build(self, keys: tuple[str, ...], on_change: Callable[[str], None]) -> None:
        """Lay out ``keys`` and report every change to ``on_change``."""
        self.clear_widgets()
        self.on_change = on_change
        for key in keys:
            button = KeyButton(text=key, disabled=not key)
            button.bind(on_release=lambda b: self.press(b.text))
            self.add_widget(button)

    def press(self, key: str) -> None:
        """Apply one key."""
        if key == BACKSPACE:
            self.value = self.value[:-1]
        elif len(self.value) < self.max_length:
            self.value += key
        if self.on_change is not None:
            self.on_change(self.value)


class KeyButton(Button):
    """One key of a keypad."""
