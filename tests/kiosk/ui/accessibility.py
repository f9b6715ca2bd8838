"""Measure every screen for the accessibility report: sizes on glass, contrast, timeouts and the spoken prompt.

Run as ``python -m tests.kiosk.ui.accessibility portrait|landscape [elder] [high]`` on a display: the
window opens at its final size, the journey's screens are walked in both languages (elder mode and the
high-contrast palette kept on when asked), and one JSON row per view and language is printed per line.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.kiosk.ui.render_walk import ORIENTATIONS, keep_elder_mode

SESSION_IDLE = 3600  # seconds probed for the first warning


def timeouts(app: Any) -> tuple[float, int]:
    """Return after how many idle seconds the warning shows in a session, and the seconds it gives to answer."""
    from kiosk.services.idle import IdleAction

    policy = app.kiosk.idle
    for second in range(SESSION_IDLE):
        decision = policy.decide(float(second), in_session=True, on_home=False, slower=app.elder)
        if decision.action is IdleAction.WARN:
            return float(second), decision.countdown
    return float("inf"), 0


def contrasts(root: Any) -> tuple[float, float]:
    """Return the lowest text contrast and the lowest non-text (border, picture) contrast of the visible widgets."""
    from kivy.uix.label import Label

    from tests.kiosk.ui.contrast import cue_ratios, shown, text_ratio

    text, cue = [21.0], [21.0]
    for widget in root.walk():
        if not shown(widget):
            continue
        if isinstance(widget, Label) and widget.text.strip():
            text.append(text_ratio(widget))
        cue += [found for _what, found in cue_ratios(widget)]
    return min(text), min(cue)


def row(kiosk: Any, view: str, lang: str) -> dict[str, Any]:
    """Return the measures of the view shown, in one language."""
    from tests.kiosk.ui.sizes import measure

    app = kiosk.app
    sizes = measure(app.root, app.theme.px_per_mm)
    text, cue = contrasts(app.root)
    warn_after, answer = timeouts(app)
    return {"view": view, "lang": lang, "text_mm": round(sizes.text_mm[0], 2), "smallest": sizes.text_mm[1],
            "line": round(sizes.line_height[0], 2), "target_mm": round(sizes.target_mm[0], 2),
            "gap_mm": round(min(sizes.gap_mm[0], 999.0), 2), "text_contrast": round(text, 2),
            "cue_contrast": round(cue, 2), "warn_after_s": warn_after, "answer_s": answer,
            "prompt": app.t(app.current.prompt) if app.current.prompt else ""}


def look(kiosk: Any, _shots: Path, name: str, rows: list[Any], _langs: object = None) -> None:
    """Measure the current view in both languages (the walk's ``look``)."""
    for lang in ("zh", "en"):
        kiosk.app.lang = lang
        kiosk.frames(3)
        rows.append(row(kiosk, name, lang))
    kiosk.app.lang = "zh"
    kiosk.frames(2)


def keep_high_contrast(kiosk: Any) -> None:
    """Turn the high-contrast palette on by its toggle on home, and again after each session the walk ends."""
    app = kiosk.app
    kiosk.tap("高对比度：关")
    ended = app.end_session

    def end_and_keep() -> None:
        ended()
        app.toggle_contrast()

    app.end_session = end_and_keep


def main(orientation: str, modes: list[str]) -> None:
    """Open the window at its final size, walk every screen in the modes asked, print one JSON row a line."""
    settings = ORIENTATIONS[orientation]
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    import kiosk.ui
    from kiosk.ui.kivyconf import configure, register_font

    configure(settings)
    register_font()
    from kivy.base import EventLoop

    from tests.kiosk.ui.driver import running_kiosk
    from tests.kiosk.ui.walks import walk_screens

    EventLoop.ensure_window()
    rows: list[Any] = []
    with tempfile.TemporaryDirectory() as data, running_kiosk(Path(data), settings) as kiosk:
        if "high" in modes:
            keep_high_contrast(kiosk)
        if "elder" in modes:
            keep_elder_mode(kiosk)
        walk_screens(kiosk, Path(data), rows, look)
    for each in rows:
        print(json.dumps(each, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
