"""Widgets every screen uses: big buttons, wrapping labels, titles, a field's answer as a button.

Each of them is drawn in its own ``theme`` (its kv rules say ``root.theme``), not in the app's: a change of
elder mode or palette restyles only the widgets on view (``restyle``), and a screen takes the session's
theme when it is next shown, so the screens nobody sees are not re-sized and re-rendered at every tap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui.theme import Theme

Builder.load_file(str(Path(__file__).with_suffix(".kv")))
ELDER_PAGE = 5  # list items (services, a field's options) per page in elder mode; the whole list scrolls otherwise


class Themed:
    """A widget drawn in its own ``theme``: it starts in the session's, and catches up whenever it is shown again."""

    theme = ObjectProperty(None, rebind=True)  # kv rules using root.theme.… follow it

    def __init__(self, **kwargs: Any) -> None:
        """Start in the session's theme (the kv rules read it as they apply)."""
        kwargs.setdefault("theme", App.get_running_app().theme)
        super().__init__(**kwargs)

    def on_parent(self, _widget: Widget, parent: Widget | None) -> None:
        """Catch up with the session's theme when put back on a screen (a list's page kept while the mode changed)."""
        if parent is not None:
            restyle(self, App.get_running_app().theme)


def restyle(tree: Widget, theme: Theme, aside: Widget | None = None) -> None:
    """Draw ``tree`` (itself and everything in it but ``aside``) in ``theme``: only the widgets whose theme differs.

    Innermost first: where a screen's rule sets what a widget's own rule also sets (a BigButton's colour),
    the screen's rule is applied last and wins, as when the widget was built.
    """
    for widget in _innermost_first(tree, aside):
        if isinstance(widget, Themed) and widget.theme != theme:
            widget.theme = theme


def _innermost_first(widget: Widget, aside: Widget | None) -> Iterator[Widget]:
    """Yield everything in ``widget`` but ``aside``, each after what it holds, and last ``widget`` itself."""
    for child in widget.children:
        if child is not aside:
            yield from _innermost_first(child, aside)
    yield widget


class Caption(Themed, Label):
    """A label in the theme's line spacing (a plain Label follows no theme)."""


class BigButton(Themed, Button):
    """A touch target sized in millimetres of glass; a chosen one is framed, not only coloured."""

    chosen = BooleanProperty(False)


class Body(Caption):
    """Text that wraps to its width and grows to its height."""


class Title(Caption):
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
    row.add_widget(Caption(text=f"{page + 1}/{pages}", font_size=theme.text, color=theme.colours.ink))
    row.add_widget(BigButton(text=app.t("Next page", app.lang), disabled=page + 1 >= pages,
                             on_release=lambda _b: turn(1)))
    return row
