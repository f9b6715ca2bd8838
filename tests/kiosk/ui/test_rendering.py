"""Rendering checks: every screen in both orientations and both languages, nothing overflowing its box.

Screenshots go to a temporary folder; `make screenshots` sets YC_SCREENSHOTS to write the committed ones
(docs/screens/) with the same walk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.scrollview import ScrollView

from drivers.cardreader.simulator import SAMPLE_CARDS
from drivers.status import PaperState
from tests.kiosk.ui.driver import SETTINGS, Driver, ancestors, running_kiosk
from tests.kiosk.ui.journey import to_review

LANDSCAPE = SETTINGS.model_copy(update={"width_px": SETTINGS.height_px, "height_px": SETTINGS.width_px})


def _visible(widget: Any) -> bool:
    """Return whether the widget and all its ancestors are shown."""
    return all(w.opacity > 0 and w.width > 1 and w.height > 1 for w in ancestors(widget) if w is not w.parent)


def _scrolled(widget: Any) -> bool:
    """Return whether the widget lives in a scroll view (where being off screen is normal)."""
    return any(isinstance(w, ScrollView) for w in ancestors(widget))


def _area(widget: Any) -> Any:
    """Return the screen a widget belongs to (or the window, for the top bar and the overlays)."""
    chain = list(ancestors(widget))
    return next((w for w in chain if isinstance(w, Screen)), chain[-1])


def _inside(widget: Any, area: Any) -> bool:
    """Return whether the widget's rectangle lies within the area's (window coordinates)."""
    left, bottom = widget.to_window(widget.x, widget.y)
    area_left, area_bottom = area.to_window(area.x, area.y) if area is not area.parent else (0, 0)
    return (left >= area_left - 1 and bottom >= area_bottom - 1 and left + widget.width <= area_left + area.width + 1
            and bottom + widget.height <= area_bottom + area.height + 1)


def overflowing(kiosk: Driver) -> list[str]:
    """Return each visible label whose text does not fit its box, or that lies outside its screen."""
    kiosk.frames(3)
    found = []
    for widget in kiosk.widgets():
        if isinstance(widget, Label) and widget.text and _visible(widget):
            widget.texture_update()
            width, height = widget.texture_size
            if width > widget.width + 2 or height > widget.height + 2:
                found.append(f"{kiosk.screen}: {widget.text[:24]!r} needs {width:.0f}×{height:.0f}, "
                             f"has {widget.width:.0f}×{widget.height:.0f}")
            if not _scrolled(widget) and not _inside(widget, _area(widget)):
                found.append(f"{kiosk.screen}: {widget.text[:24]!r} is outside its screen")
    return found


def check(kiosk: Driver, shots: Path, name: str, problems: list[str]) -> None:
    """Check the current screen in both languages and save a screenshot of each."""
    from kivy.core.window import Window

    for lang in ("zh", "en"):
        kiosk.app.lang = lang
        kiosk.frames(3)
        problems += [f"[{lang}] {p}" for p in overflowing(kiosk)]
        saved = Path(Window.screenshot(name=str(shots / f"{name}-{lang}.png")))
        saved.replace(shots / f"{name}-{lang}.png")  # Kivy numbers the file: name it plainly
    kiosk.app.lang = "zh"
    kiosk.frames(2)


@pytest.mark.parametrize("settings", [SETTINGS, LANDSCAPE], ids=["portrait", "landscape"])
def test_every_screen_fits_in_both_orientations_and_languages(display: str, tmp_path: Path, settings: Any) -> None:
    orientation = "portrait" if settings.height_px > settings.width_px else "landscape"
    shots = Path(os.environ.get("YC_SCREENSHOTS") or tmp_path / "screens") / orientation
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with running_kiosk(tmp_path, settings) as kiosk:
        check(kiosk, shots, "home", problems)
        to_review(kiosk)
        check(kiosk, shots, "review", problems)
        kiosk.tap("返回")
        check(kiosk, shots, "form", problems)
        kiosk.app.session.group = 2
        kiosk.app.current.show()
        kiosk.tap("13800138000")  # opens the keypad
        check(kiosk, shots, "form-keypad", problems)
        kiosk.app.go("review")
        kiosk.tap("提交")
        kiosk.until(lambda: "请取走您的回执。" in kiosk.texts())
        check(kiosk, shots, "receipt", problems)
        kiosk.tap("评价本次服务")
        kiosk.tap("不满意")
        check(kiosk, shots, "rating", problems)
        kiosk.app.end_session()
        kiosk.app.start("YJS-001")
        check(kiosk, shots, "guide", problems)
        kiosk.tap("开始办理")
        check(kiosk, shots, "notice", problems)
        kiosk.tap("同意并继续")
        kiosk.reader.simulator.place(SAMPLE_CARDS["li"])
        screen = kiosk.app.manager.get_screen("identify")
        kiosk.until(lambda: not screen.ids.confirm.disabled)
        check(kiosk, shots, "identify", problems)
        kiosk.app.go("materials")
        check(kiosk, shots, "materials", problems)
        kiosk.app.end_session()
        kiosk.printer.emulator.state.paper = PaperState.OUT
        kiosk.app.check_devices()
        kiosk.until(lambda: kiosk.screen == "out_of_service")
        check(kiosk, shots, "out-of-service", problems)
        kiosk.app.idle_warning, kiosk.app.countdown = True, 25
        check(kiosk, shots, "idle-warning", problems)
    assert len(list(shots.glob("*.png"))) == 24  # 12 screens × 2 languages
    assert problems == []
