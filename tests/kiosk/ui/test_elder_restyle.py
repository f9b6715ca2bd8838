"""Elder mode and high contrast restyle only what is on view; every other screen is in the new theme once shown.

A toggle re-sizes and re-colours the bars and the screen on view (the target is a frame within 200 ms,
`make bench`); the screens nobody sees keep their widgets as they were until the citizen reaches them,
and then every one of them is in the session's theme: measured from the widgets, as the citizen sees them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.catalog import CATEGORY_NAMES, Category
from drivers.cardreader.simulator import SAMPLE_CARDS
from kiosk.ui.screens import CLASSES
from kiosk.ui.widgets import BigButton, Themed
from tests.common import ROOT
from tests.kiosk.ui import contrast
from tests.kiosk.ui.contrast import shown
from tests.kiosk.ui.driver import Driver, running_kiosk
from tests.kiosk.ui.journey import CONFIRM
from tests.kiosk.ui.sizes import measure
from tests.kiosk.ui.test_elder import PANEL_MM, assert_elder_sizes


@pytest.fixture
def panel(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk whose window has the 21.5-inch panel's size in millimetres."""
    with running_kiosk(tmp_path, PANEL_MM) as driver:
        yield driver


SECONDARY = frozenset({"返回", "不同意，返回", "完成", "查询进度", "小声一点", "大声一点"})  # the screens' rules make them grey


def off_view(kiosk: Driver) -> list[Any]:
    """Return the themed widgets of every screen not on view."""
    app = kiosk.app
    return [w for screen in app.manager.screens if screen is not app.current
            for w in screen.walk(restrict=True) if isinstance(w, Themed)]


def assert_in_the_sessions_theme(kiosk: Driver) -> None:
    """Assert everything on view is drawn in the session's theme: its colours, elder mode's sizes, high contrast's 7:1."""
    kiosk.frames(3)
    app = kiosk.app
    assert [w for w in kiosk.widgets() if isinstance(w, Themed) and w.theme != app.theme] == [], kiosk.screen
    colours = app.theme.colours
    assert tuple(app.root.ids.call_staff.background_color) == colours.urgent  # the bar's rule, not the button's own
    secondary = [w for w in kiosk.widgets() if isinstance(w, BigButton) and w.text in SECONDARY and shown(w)]
    assert secondary, kiosk.screen
    assert {w.text: tuple(w.background_color) for w in secondary} == {w.text: colours.secondary for w in secondary}
    if app.elder:
        assert_elder_sizes(kiosk)
    if app.high_contrast:
        assert contrast.problems(app.root, contrast.TEXT_MIN_HIGH) == [], kiosk.screen


def test_a_toggle_restyles_the_screen_on_view_and_leaves_the_others_until_they_are_shown(panel: Driver) -> None:
    app = panel.app
    for name in CLASSES:  # a kiosk up for a while: every screen made (each is made when first needed after the start)
        app.manager.get_screen(name)
    plain = app.theme
    sizes = {id(w): w.font_size for w in off_view(panel) if hasattr(w, "font_size")}
    panel.tap("长辈模式：关")  # five categories a page: the others are kept aside, off the window
    assert "1/3" in panel.texts()
    panel.tap("高对比度：关")  # while they are aside
    assert app.theme.elder
    assert app.theme.high_contrast
    assert_in_the_sessions_theme(panel)  # home and the bars
    untouched = off_view(panel)
    assert len(untouched) > 50
    assert all(w.theme == plain for w in untouched)  # not re-sized, not re-coloured, nothing re-rendered
    assert {id(w): w.font_size for w in untouched if hasattr(w, "font_size")} == sizes
    panel.tap("下一页")  # the page kept aside is shown in the new theme
    assert "2/3" in panel.texts()
    assert_in_the_sessions_theme(panel)
    panel.tap("查询进度")
    assert_in_the_sessions_theme(panel)  # shown: in elder mode and high contrast at once


def test_every_screen_after_a_toggle_is_in_the_new_theme_and_the_next_citizen_gets_the_plain_one(
        panel: Driver) -> None:
    app = panel.app
    plain = measure(app.root, app.theme.px_per_mm)
    panel.tap("高对比度：关")  # high contrast chosen on home
    panel.tap(CATEGORY_NAMES[Category.SOCIAL_SECURITY].zh, partial=True)
    panel.tap("社会保障卡申领")
    assert_in_the_sessions_theme(panel)  # the guide
    panel.tap("开始办理")
    assert_in_the_sessions_theme(panel)  # the notice
    panel.tap("同意并继续")
    panel.reader.simulator.place(SAMPLE_CARDS["li"])  # born 1952: elder mode is offered
    identify = app.manager.get_screen("identify")
    panel.until(lambda: identify.offering, what="the offer of elder mode")
    panel.tap("好，用长辈模式")  # elder mode chosen on the identify screen
    assert app.elder
    assert_in_the_sessions_theme(panel)
    panel.tap(CONFIRM)
    assert_in_the_sessions_theme(panel)  # the form, one question a page
    panel.tap("返回")
    assert panel.screen == "identify"
    panel.tap("返回")  # the session ends: the next citizen starts in the plain theme
    assert panel.screen == "home"
    assert not app.elder
    assert not app.high_contrast
    assert_in_the_sessions_theme(panel)
    assert measure(app.root, app.theme.px_per_mm) == plain


def test_modes_chosen_on_home_by_someone_who_walked_away_are_undone_on_home_itself(panel: Driver) -> None:
    app = panel.app
    plain = measure(app.root, app.theme.px_per_mm)
    panel.tap("长辈模式：关")
    panel.tap("高对比度：关")
    app.kiosk.speaker.stop()
    app.last_touch = time.monotonic() - app.kiosk.settings.idle_timeout_s - 1
    panel.until(lambda: not app.elder and not app.high_contrast, timeout=3, what="the modes undone")
    assert panel.screen == "home"
    assert_in_the_sessions_theme(panel)
    assert measure(app.root, app.theme.px_per_mm) == plain


def test_the_screens_rules_follow_their_own_theme_and_no_label_is_plain() -> None:
    """A rule saying app.theme restyles its screen off view at every tap; a plain Label keeps line spacing 1.0."""
    found = []
    for path in sorted((ROOT / "kiosk" / "ui").rglob("*")):
        if path.suffix not in {".kv", ".py"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            if ((path.suffix == ".kv" and path.name != "app.kv" and "app.theme" in code)
                    or re.search(r"^\s*Label:|(?<![\w.])Label\(", code)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "say root.theme, and Caption for a label"
