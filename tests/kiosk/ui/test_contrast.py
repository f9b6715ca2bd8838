"""Contrast on every screen, computed from what the running kiosk draws: text ≥ 4.5:1, non-text cues ≥ 3:1;
in the high-contrast theme (高对比度) text ≥ 7:1, and every pair of its palette is measured too.

The walk visits every screen of a journey, the keypads and keyboards, the idle warning, the
out-of-service screen, a guide whose Start is disabled, the help-is-coming banner and the card
picture at the faintest point of its pulse, in Chinese and English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drivers.status import PaperState
from kiosk.ui.screens.identify import PULSE_LOW
from kiosk.ui.theme import HIGH_CONTRAST
from tests.kiosk.ui import contrast
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.walks import walk_inputs, walk_screens


def _look(kiosk: Any, _shots: Path, name: str, problems: list[str], _langs: object = None) -> None:
    """Record the contrast problems of the view in both languages (7:1 for text in the high-contrast theme)."""
    least = contrast.TEXT_MIN_HIGH if kiosk.app.high_contrast else contrast.TEXT_MIN
    for lang in ("zh", "en"):
        kiosk.app.lang = lang
        kiosk.frames(3)
        problems += [f"{name} [{lang}] {p}" for p in contrast.problems(kiosk.app.root, least)]
    kiosk.app.lang = "zh"
    kiosk.frames(2)


def test_the_ratio_is_wcags() -> None:
    assert round(contrast.ratio((1, 1, 1), (0, 0, 0)), 2) == 21
    assert contrast.ratio((0.3, 0.4, 0.5), (0.3, 0.4, 0.5)) == 1
    assert round(contrast.ratio((1, 1, 1), (0.5, 0.5, 0.55)), 2) < contrast.TEXT_MIN  # the old grey Back button
    assert contrast.over((1, 1, 1), 0.5, (0, 0, 0)) == (0.5, 0.5, 0.5)


def test_every_screen_has_readable_text_and_visible_cues(kiosk: Driver, tmp_path: Path) -> None:
    problems: list[str] = []
    walk_screens(kiosk, tmp_path, problems, _look)
    walk_inputs(kiosk, tmp_path, problems, _look)
    kiosk.tap("呼叫帮办")
    _look(kiosk, tmp_path, "help-coming", problems)
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    kiosk.tap("开始办理")
    kiosk.tap("同意并继续")
    picture = kiosk.app.manager.get_screen("identify").ids.reading
    kiosk.until(lambda: picture.opacity <= PULSE_LOW + 0.02, what="the pulse at its faintest")
    problems += [f"identify-pulse {p}" for p in contrast.problems(kiosk.app.root)]
    kiosk.tap("返回")
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service")
    kiosk.tap("查看办事指南")
    kiosk.tap("社会保障", partial=True)
    kiosk.tap(kiosk.app.kiosk.catalog.offering("SB-001").name.zh)
    _look(kiosk, tmp_path, "guide-start-disabled", problems)
    assert sorted(set(problems)) == []


def test_the_check_catches_faint_text(kiosk: Driver) -> None:
    title = kiosk.app.manager.get_screen("home").ids.title
    title.color = (0.75, 0.75, 0.75, 1)  # a faint heading on the pale page
    kiosk.frames(2)
    assert [p for p in contrast.problems(kiosk.app.root) if title.text[:20] in p]


HC = HIGH_CONTRAST
HIGH_TEXT = {  # (text, what it is drawn on): every pair the screens draw in the high-contrast theme
    "body": (HC.ink, HC.page), "heading": (HC.heading, HC.page), "hint": (HC.muted, HC.page),
    "error": (HC.error, HC.page), "dialog": (HC.ink, HC.dialog), "countdown": (HC.urgent, HC.dialog),
    "answer": ((0, 0, 0, 1), HC.field), "typing": ((0, 0, 0, 1), HC.typing), "badge": (HC.primary, HC.dialog),
    "disabled": (HC.on_disabled, HC.disabled), **{f"on {name}": (HC.on_dark, getattr(HC, name)) for name in (
        "primary", "secondary", "chosen", "later", "urgent", "bar", "notice")},
}
HIGH_CUES = {  # (cue, what it lies on): buttons on the page, the typing border, the dialog over its shade
    **{f"{name} button": (getattr(HC, name), HC.page) for name in ("primary", "secondary", "chosen", "later",
                                                                    "urgent")},
    "answer border": (HC.focus, HC.field), "typing border": (HC.focus, HC.typing), "bar": (HC.bar, HC.page),
    "dialog": (HC.dialog, contrast.over(HC.shade, HC.shade[3], HC.page)),
}


def test_every_pair_of_the_high_contrast_palette_is_7_to_1_for_text_and_3_to_1_for_cues() -> None:
    text = {name: round(contrast.ratio(ink[:3], ground[:3]), 2) for name, (ink, ground) in HIGH_TEXT.items()}
    cues = {name: round(contrast.ratio(cue[:3], ground[:3]), 2) for name, (cue, ground) in HIGH_CUES.items()}
    assert {name: r for name, r in text.items() if r < contrast.TEXT_MIN_HIGH} == {}
    assert {name: r for name, r in cues.items() if r < contrast.CUE_MIN} == {}


def test_the_high_contrast_theme_holds_7_to_1_on_every_screen(kiosk: Driver, tmp_path: Path) -> None:
    app = kiosk.app
    kiosk.tap("高对比度：关")
    assert "高对比度：开" in kiosk.texts()
    ended = app.end_session

    def end_and_keep_high_contrast() -> None:
        ended()
        app.toggle_contrast()  # the walk ends sessions itself: measure the next one in the same theme

    app.end_session = end_and_keep_high_contrast
    problems: list[str] = []
    walk_screens(kiosk, tmp_path, problems, _look)
    walk_inputs(kiosk, tmp_path, problems, _look)
    assert app.high_contrast
    assert sorted(set(problems)) == []
