"""WCAG 2.1 contrast of what the kiosk draws, read from the running widgets' canvases.

Each visible label's text is compared with the background under its centre: the window's clear
colour, then every filled shape its ancestors (and the label itself, e.g. a button) draw beneath
it, blended by their alpha and opacity. Non-text cues are each line (a focus border) against the
widget it borders, and each shape a plain widget draws as a picture against what lies under it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.kiosk.ui.driver import ancestors

TEXT_MIN, CUE_MIN = 4.5, 3.0
TEXT_MIN_HIGH = 7.0  # the high-contrast theme (WCAG 1.4.6)
Rgb = tuple[float, float, float]


def _linear(channel: float) -> float:
    """Return an sRGB channel (0–1) as linear light."""
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(rgb: Rgb) -> float:
    """Return the relative luminance of an sRGB colour."""
    red, green, blue = (_linear(c) for c in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def ratio(first: Rgb, second: Rgb) -> float:
    """Return the contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(top: Any, alpha: float, bottom: Rgb) -> Rgb:
    """Return ``top`` drawn with ``alpha`` over ``bottom``."""
    red, green, blue = (top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3))
    return red, green, blue


def _drawn(group: Any) -> Iterator[tuple[Any, Any]]:
    """Yield each shape a canvas group paints itself (not its children's canvases, not a stencil mask) with its colour."""
    from kivy.graphics import Canvas, Color, StencilPush, StencilUse

    colour: Any = (1, 1, 1, 1)
    masking = False
    for instruction in group.children:
        if isinstance(instruction, StencilPush | StencilUse):
            masking = isinstance(instruction, StencilPush)
        elif isinstance(instruction, Color):
            colour = tuple(instruction.rgba)
        elif not isinstance(instruction, Canvas) and not masking:
            yield instruction, colour


def _filled(widget: Any, instruction: Any) -> bool:
    """Return whether an instruction paints an area in one colour (not the widget's text or picture, not a line)."""
    from kivy.graphics import BorderImage, Ellipse, Rectangle, RoundedRectangle

    shapes = Rectangle | RoundedRectangle | BorderImage | Ellipse
    return isinstance(instruction, shapes) and instruction.texture is not getattr(widget, "texture", None)


def _covers(widget: Any, shape: Any, point: tuple[float, float]) -> bool:
    """Return whether a shape widget draws covers a window point."""
    left, bottom = widget.to_window(*shape.pos)
    return left <= point[0] <= left + shape.size[0] and bottom <= point[1] <= bottom + shape.size[1]


def _opacity(widget: Any) -> float:
    """Return the widget's opacity times its ancestors'."""
    product = 1.0
    for each in ancestors(widget):
        if each is not each.parent:
            product *= each.opacity
    return product


def background(widget: Any, point: tuple[float, float], *, groups: tuple[str, ...] = ("before", "main")) -> Rgb:
    """Return the colour the window shows at ``point`` under what ``widget`` draws on top (text, a line)."""
    from kivy.core.window import Window
    from kivy.uix.scrollview import ScrollView

    colour: Rgb = over(Window.clearcolor, 1, (0, 0, 0))
    chain = list(reversed([w for w in ancestors(widget) if w is not w.parent]))
    view = next((w for w in reversed(chain) if isinstance(w, ScrollView) and w is not widget), None)
    seen = point if view is None else _into(view, point)  # where a finger scrolls it to, for what lies outside
    inside = False
    for each in chain:
        opacity = _opacity(each)
        canvases = {"before": each.canvas.before, "main": each.canvas}
        for name in groups if each is widget else ("before", "main"):
            for shape, rgba in _drawn(canvases[name]):
                if _filled(each, shape) and _covers(each, shape, point if inside else seen):
                    colour = over(rgba, rgba[3] * opacity, colour)
        inside = inside or each is view
    return colour


def _into(view: Any, point: tuple[float, float]) -> tuple[float, float]:
    """Return ``point`` moved into the scroll view's visible area."""
    left, bottom = view.to_window(*view.pos)
    return min(max(point[0], left), left + view.width), min(max(point[1], bottom), bottom + view.height)


def shown(widget: Any) -> bool:
    """Return whether the widget and its ancestors are visible."""
    return all(w.opacity > 0 and w.width > 1 and w.height > 1 for w in ancestors(widget) if w is not w.parent)


def text_ratio(widget: Any) -> float:
    """Return the contrast of the label's text against what lies under its centre."""
    point = widget.to_window(*widget.center)
    under = background(widget, point)
    rgba = widget.disabled_color if widget.disabled else widget.color
    return ratio(over(rgba, rgba[3] * _opacity(widget), under), under)


def text_problems(widget: Any, least: float = TEXT_MIN) -> list[str]:
    """Return the label's text contrast, if under ``least`` (4.5:1 unless told)."""
    found = text_ratio(widget)
    return [] if found >= least else [f"text {widget.text[:20]!r}: {found:.2f}:1"]


def cue_problems(widget: Any) -> list[str]:
    """Return each border the widget draws and each shape of a picture it draws, if under 3:1 against its ground."""
    return [f"{what}: {contrast:.2f}:1" for what, contrast in cue_ratios(widget) if contrast < CUE_MIN]


def cue_ratios(widget: Any) -> list[tuple[str, float]]:
    """Return the contrast of each border the widget draws and each shape of a picture it draws against its ground."""
    from kivy.graphics import Line
    from kivy.uix.image import Image
    from kivy.uix.label import Label

    found: list[tuple[str, float]] = []
    point = widget.to_window(*widget.center)
    for name, group in (("before", widget.canvas.before), ("main", widget.canvas), ("after", widget.canvas.after)):
        for shape, rgba in _drawn(group):
            alpha = rgba[3] * _opacity(widget)
            if alpha <= 0:
                continue
            if isinstance(shape, Line):
                under = background(widget, point, groups=("before", "main") if name == "after" else ())
            elif name == "main" and _filled(widget, shape) and not isinstance(widget, Label | Image):
                centre = widget.to_window(shape.pos[0] + shape.size[0] / 2, shape.pos[1] + shape.size[1] / 2)
                under = _beneath(widget, shape, centre)
            else:
                continue
            found.append((f"{type(widget).__name__} {type(shape).__name__}", ratio(over(rgba, alpha, under), under)))
    return found


def _beneath(widget: Any, shape: Any, point: tuple[float, float]) -> Rgb:
    """Return what lies under one shape of a picture: the background and the picture's shapes drawn before it."""
    colour = background(widget, point, groups=("before",))
    for earlier, rgba in _drawn(widget.canvas):
        if earlier is shape:
            break
        if _filled(widget, earlier) and _covers(widget, earlier, point):
            colour = over(rgba, rgba[3] * _opacity(widget), colour)
    return colour


def problems(root: Any, least: float = TEXT_MIN) -> list[str]:
    """Return every contrast problem of the visible widgets under ``root`` (text under ``least``:1, cues under 3:1)."""
    from kivy.uix.label import Label

    found = []
    for widget in root.walk():
        if not shown(widget):
            continue
        if isinstance(widget, Label) and widget.text.strip():
            found += text_problems(widget, least)
        found += cue_problems(widget)
    return found
