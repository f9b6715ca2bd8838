"""Sizes on glass measured from the running widgets: text height, line spacing, touch targets and the gaps between them.

Millimetres come from each widget's pixels over the panel's pixels per millimetre (its
resolution over its diagonal), the same conversion the theme sizes with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.kiosk.ui.contrast import shown
from tests.kiosk.ui.driver import ancestors


@dataclass(frozen=True)
class Sizes:
    """The smallest of each measure on the screen shown, with what has it."""

    text_mm: tuple[float, str]
    line_height: tuple[float, str]
    target_mm: tuple[float, str]
    gap_mm: tuple[float, str]


Rect = tuple[float, float, float, float]


def _rect(widget: Any) -> Rect:
    """Return the part of the widget's rectangle a finger can reach on the window (a scroll view clips it)."""
    from kivy.uix.scrollview import ScrollView

    left, bottom = widget.to_window(widget.x, widget.y)
    rect = left, bottom, left + widget.width, bottom + widget.height
    for view in (w for w in ancestors(widget) if isinstance(w, ScrollView) and w is not widget):
        (vl, vb), (vr, vt) = view.to_window(view.x, view.y), view.to_window(view.right, view.top)
        rect = max(rect[0], vl), max(rect[1], vb), min(rect[2], vr), min(rect[3], vt)
    return rect


def _reachable(widget: Any) -> bool:
    """Return whether some of the widget is in view."""
    left, bottom, right, top = _rect(widget)
    return right > left and top > bottom


def _gap(first: Any, second: Any) -> float:
    """Return the distance in pixels between two targets' rectangles (0 when they touch or overlap)."""
    a, b = _rect(first), _rect(second)
    across = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    up = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return float((across**2 + up**2) ** 0.5)


def measure(root: Any, px_per_mm: float) -> Sizes:
    """Return the smallest text, line spacing, target and gap among the visible widgets under ``root``."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    labels = [w for w in root.walk() if isinstance(w, Label) and str(w.text).strip() and shown(w)]
    targets = [w for w in labels if isinstance(w, Button) and not w.disabled and _reachable(w)]
    text = min((w.font_size / px_per_mm, str(w.text)[:24]) for w in labels)
    line = min((w.line_height, str(w.text)[:24]) for w in labels)
    target = min((min(w.width, w.height) / px_per_mm, str(w.text)[:24]) for w in targets)
    gaps = [(_gap(a, b) / px_per_mm, f"{str(a.text)[:12]}|{str(b.text)[:12]}")
            for n, a in enumerate(targets) for b in targets[n + 1:]]
    return Sizes(text, line, target, min(gaps) if gaps else (float("inf"), ""))
