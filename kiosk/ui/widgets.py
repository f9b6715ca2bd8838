"""Widgets every screen uses: big buttons, wrapping labels, titles, a field's answer as a button."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
ELDER_PAGE = 5  # list items (services, a field's options) per page in elder mode; the whole list scrolls otherwise


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


def discard(container: Widget, *kept: Widget | None) -> None:
    """Empty ``container``, cutting the kv bindings of what it held except ``kept`` (to be shown again).

    A removed widget's kv rules stay bound to the app until the garbage collector finds it, so every
    change of theme (elder mode, the palette) re-sized and re-rendered hundreds of widgets nobody sees.
    """
    spared = {id(widget) for widget in kept if widget is not None}

    def cut(widget: Widget) -> None:
        """Unbind ``widget`` and everything in it, sparing the kept."""
        if id(widget) not in spared:
            Builder.unbind_widget(widget.uid)
            for child in widget.children:
                cut(child)
    for child in list(container.children):
        cut(child)
    container.clear_widgets()


def page_turners(page: int, pages: int, turn: Callable[[int], None]) -> BoxLayout:
    """Return 上一页, where the page is, and 下一页, for a list shown a few items at a time (elder mode)."""
    app: Any = App.get_running_app()
    theme = app.theme
    row = BoxLayout(size_hint_y=None, height=theme.target, spacing=theme.gap)
    row.add_widget(BigButton(text=app.t("Previous page", app.lang), background_color=theme.colours.secondary,
                             disabled=page == 0, on_release=lambda _b: turn(-1)))
    row.add_widget(Label(text=f"{page + 1}/{pages}", font_size=theme.text, color=theme.colours.ink))
    row.add_widget(BigButton(text=app.t("Next page", app.lang), disabled=page + 1 >= pages,
                             on_release=lambda _b: turn(1)))
    return row
