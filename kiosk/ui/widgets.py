"""Widgets every screen uses: big buttons, wrapping labels, titles, a field's answer as a button."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty
from kivy.uix.button import Button
from kivy.uix.label import Label

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class BigButton(Button):
    """A touch target sized in millimetres of glass; a chosen one is framed, not only coloured."""

    chosen = BooleanProperty(False)


class Body(Label):
    """Text that wraps to its width and grows to its height."""


class Title(Label):
    """A screen heading."""


class ValueButton(BigButton):
    """A field's answer as a button: tapping it opens the field's input; the field being typed is marked."""

    active = BooleanProperty(False)
