"""Render every screen, keypad and keyboard at the default panel (1080×1920, 21.5″) in one orientation.

Run as ``python -m tests.kiosk.ui.render_walk portrait|landscape OUTDIR [elder]`` on a display: the
window is created at its final size (a window resized after it exists reads back garbage), every view
is checked in both languages (text that does not fit its box or lies outside its screen; keys under
16 mm; in elder mode, text under 5 mm, targets under 20 mm, gaps under 3 mm, line spacing under 1.3),
a screenshot of each is saved, and the problems are printed as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from kiosk.config import UiSection

PANEL = UiSection(fullscreen=False, width_px=1080, height_px=1920, panel_inches=21.5, idle_timeout_s=600,
                  warning_s=30)
ORIENTATIONS = {"portrait": PANEL, "landscape": PANEL.model_copy(update={"width_px": 1920, "height_px": 1080})}
MIN_KEY_MM = 16
ELDER_MIN = {"text": 5.0, "line": 1.3, "target": 20.0, "gap": 3.0}  # 适老化: mm of glass, and line spacing


def _visible(widget: Any) -> bool:
    """Return whether the widget and all its ancestors are shown."""
    from tests.kiosk.ui.driver import ancestors

    return all(w.opacity > 0 and w.width > 1 and w.height > 1 for w in ancestors(widget) if w is not w.parent)


def _area(widget: Any) -> tuple[Any, bool]:
    """Return the screen a widget belongs to (or the window), and whether it lives in a scroll view."""
    from kivy.uix.screenmanager import Screen
    from kivy.uix.scrollview import ScrollView

    from tests.kiosk.ui.driver import ancestors

    chain = list(ancestors(widget))
    return next((w for w in chain if isinstance(w, Screen)), chain[-1]), any(isinstance(w, ScrollView) for w in chain)


def _inside(widget: Any, area: Any) -> bool:
    """Return whether the widget's rectangle lies within the area's (window coordinates)."""
    left, bottom = widget.to_window(widget.x, widget.y)
    area_left, area_bottom = area.to_window(area.x, area.y) if area is not area.parent else (0, 0)
    return (left >= area_left - 1 and bottom >= area_bottom - 1 and left + widget.width <= area_left + area.width + 1
            and bottom + widget.height <= area_bottom + area.height + 1)


def problems_now(kiosk: Any) -> list[str]:
    """Return each visible label that does not fit its box or lies outside its screen, and each key under 16 mm."""
    from kivy.uix.label import Label

    from kiosk.ui.inputs.keys import KeyCap

    kiosk.frames(3)
    found, least = elder_problems(kiosk), kiosk.app.theme.px_per_mm * MIN_KEY_MM - 1
    for widget in kiosk.widgets():
        if not isinstance(widget, Label) or not widget.text or not _visible(widget):
            continue
        widget.texture_update()
        width, height = widget.texture_size
        if width > widget.width + 2 or height > widget.height + 2:
            found.append(f"{kiosk.screen}: {widget.text[:24]!r} needs {width:.0f}×{height:.0f}, "
                         f"has {widget.width:.0f}×{widget.height:.0f}")
        area, scrolled = _area(widget)
        if not scrolled and not _inside(widget, area):
            found.append(f"{kiosk.screen}: {widget.text[:24]!r} is outside its screen")
        if isinstance(widget, KeyCap) and min(widget.width, widget.height) < least:
            found.append(f"{kiosk.screen}: key {widget.text!r} is {widget.width:.0f}×{widget.height:.0f} px")
    return found


def elder_problems(kiosk: Any) -> list[str]:
    """Return each of elder mode's measures the view falls short of (nothing outside elder mode)."""
    from tests.kiosk.ui.sizes import measure

    if not kiosk.app.elder:
        return []
    sizes = measure(kiosk.app.root, kiosk.app.theme.px_per_mm)
    found = zip(ELDER_MIN.items(), (sizes.text_mm, sizes.line_height, sizes.target_mm, sizes.gap_mm), strict=True)
    return [f"{kiosk.screen}: {name} {value:.2f} < {least} ({what!r})"
            for (name, least), (value, what) in found if value < least]


def keep_elder_mode(kiosk: Any) -> None:
    """Turn elder mode on by its toggle on home, and again after each session the walk ends."""
    app = kiosk.app
    kiosk.tap("长辈模式：关")
    ended = app.end_session

    def end_and_keep() -> None:
        ended()
        app.toggle_elder()  # the walk ends sessions itself: lay out the next one in elder mode too

    app.end_session = end_and_keep


def screenshot(kiosk: Any, target: Path, tries: int = 3) -> None:
    """Save the window as ``target``; SDL's PNG writer fails now and then without a word, so look and try again."""
    from kivy.core.window import Window

    for _ in range(tries):
        saved = Path(Window.screenshot(name=str(target)))  # Kivy numbers the file: it is named plainly below
        if saved.exists():
            saved.replace(target)
            return
        kiosk.frames(2)
    raise AssertionError(f"{target.name}: the window could not be saved in {tries} tries")


def check(kiosk: Any, shots: Path, name: str, problems: list[str], langs: tuple[str, ...] = ("zh", "en")) -> None:
    """Check the current view in both languages; save a screenshot in each of ``langs``."""
    for lang in ("zh", "en"):
        kiosk.app.lang = lang
        kiosk.frames(3)
        problems += [f"[{lang}] {p}" for p in problems_now(kiosk)]
        if lang in langs:
            screenshot(kiosk, shots / f"{name}-{lang}.png")
    kiosk.app.lang = "zh"
    kiosk.frames(2)


def main(orientation: str, out: Path, elder: bool = False) -> None:
    """Open the window at its final size, walk every view (in elder mode when asked), print the problems as JSON."""
    from tests.kiosk.ui.walks import walk_inputs, walk_screens

    settings = ORIENTATIONS[orientation]
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    import kiosk.ui
    from kiosk.ui.kivyconf import configure, register_font

    configure(settings)
    register_font()
    from kivy.base import EventLoop

    from tests.kiosk.ui.driver import running_kiosk

    EventLoop.ensure_window()
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    # a worker thread may still touch the store folder as the app stops: the scratch folder goes regardless
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as data, running_kiosk(Path(data), settings) as kiosk:
        if elder:
            keep_elder_mode(kiosk)
        walk_screens(kiosk, out, problems)
        walk_inputs(kiosk, out, problems)
    print(json.dumps({"problems": problems, "shots": sorted(p.name for p in out.glob("*.png"))}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:] == ["elder"])
