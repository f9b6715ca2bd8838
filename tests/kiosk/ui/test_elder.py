"""Elder mode (长辈模式) and the high-contrast theme through the real widgets: one tap on home, offered to a card
holder of 65 or more, sizes measured on glass, timeouts doubled, slow voice, and all of it gone when the session ends.

The window is a 1080×1920 21.5-inch panel at half the pixel density: every size in millimetres is
the panel's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kiosk.ui.contrast import shown
from tests.kiosk.ui.driver import SETTINGS, Driver, running_kiosk
from tests.kiosk.ui.journey import CONFIRM, to_form
from tests.kiosk.ui.sizes import measure

PANEL_MM = SETTINGS.model_copy(update={"panel_inches": 21.5})  # 540×960 px over 21.5″: the panel's millimetres
BODY_MM = 5.0  # today's body text
OFFER = "要使用长辈模式吗？字更大、按钮更大、语音更慢、时间更长。"


@pytest.fixture
def panel(display: str, tmp_path: Path) -> Iterator[Driver]:
    """A kiosk whose window has the 21.5-inch panel's size in millimetres."""
    with running_kiosk(tmp_path, PANEL_MM) as driver:
        yield driver


def assert_elder_sizes(kiosk: Driver) -> None:
    """Assert the screen shown meets elder mode's sizes, measured from its widgets."""
    kiosk.frames(3)
    sizes = measure(kiosk.app.root, kiosk.app.theme.px_per_mm)
    assert sizes.text_mm[0] >= BODY_MM, sizes.text_mm
    assert sizes.line_height[0] >= 1.3, sizes.line_height
    assert sizes.target_mm[0] >= 20, sizes.target_mm
    assert sizes.gap_mm[0] >= 3, sizes.gap_mm
    body = kiosk.app.theme.text / kiosk.app.theme.px_per_mm
    assert body >= 1.6 * BODY_MM


def test_elder_mode_is_one_tap_on_home_and_the_sessions_end_returns_to_normal(panel: Driver) -> None:
    app = panel.app
    before = measure(app.root, app.theme.px_per_mm)
    assert before.target_mm[0] < 20  # today's sizes would fail elder mode's thresholds
    panel.tap("长辈模式：关")
    assert "长辈模式：开" in panel.texts()  # its state in words
    assert app.kiosk.voice.on  # voice guidance…
    assert app.kiosk.voice.slow  # …at the slow rate
    assert "语音播报：开" in panel.texts()
    assert_elder_sizes(panel)
    to_form(panel)
    assert_elder_sizes(panel)  # the identify screen
    panel.tap(CONFIRM)
    assert_elder_sizes(panel)  # the form
    panel.tap("返回")
    panel.tap("返回")  # ends the session
    assert panel.screen == "home"
    assert "长辈模式：关" in panel.texts()
    assert not app.kiosk.voice.on
    assert measure(app.root, app.theme.px_per_mm) == before


def test_a_card_holder_of_65_or_more_is_offered_elder_mode_and_may_say_no(panel: Driver) -> None:
    to_form(panel, card="li")  # born 1952
    question = next(w for w in panel.widgets() if getattr(w, "text", "") == OFFER)
    assert shown(question)
    assert not panel.app.elder  # offered, not forced
    panel.tap("不用了")
    assert not shown(question)
    assert not panel.app.elder
    panel.tap(CONFIRM)
    assert panel.screen == "form"


def test_saying_yes_to_the_offer_turns_elder_mode_on_for_the_rest_of_the_session(panel: Driver) -> None:
    to_form(panel, card="li")
    question = next(w for w in panel.widgets() if getattr(w, "text", "") == OFFER)
    panel.tap("好，用长辈模式")
    assert panel.app.elder
    assert panel.app.kiosk.voice.slow
    assert not shown(question)  # asked once
    assert_elder_sizes(panel)
    panel.tap(CONFIRM)
    assert_elder_sizes(panel)


def test_a_younger_card_holder_is_not_asked(kiosk: Driver) -> None:
    to_form(kiosk)  # born 1985
    question = next(w for w in kiosk.widgets() if getattr(w, "text", "") == OFFER)
    assert not shown(question)


def test_elder_mode_doubles_the_time_before_the_warning(panel: Driver) -> None:
    panel.tap("长辈模式：关")
    to_form(panel)
    app = panel.app
    timeout = app.kiosk.settings.idle_timeout_s
    app.kiosk.speaker.stop()
    app.last_touch = time.monotonic() - max(timeout, app.reading_s) - 5  # past the normal timeout
    time.sleep(1.1)
    panel.frames(3)
    assert not app.idle_warning
    app.last_touch = time.monotonic() - max(2 * timeout, app.reading_s) - 1
    panel.until(lambda: app.idle_warning, timeout=3, what="the warning after twice the timeout")
    assert app.countdown > 2 * app.kiosk.settings.warning_s - 5  # twice the time to answer it
    panel.tap("继续办理")  # one tap extends it, as often as needed
    assert not app.idle_warning


def test_a_mode_chosen_on_home_by_someone_who_walked_away_is_undone(panel: Driver) -> None:
    panel.tap("长辈模式：关")
    panel.tap("高对比度：关")
    app = panel.app
    app.kiosk.speaker.stop()
    app.last_touch = time.monotonic() - app.kiosk.settings.idle_timeout_s - 1
    panel.until(lambda: not app.elder and not app.high_contrast, timeout=3, what="the modes undone")
    assert "长辈模式：关" in panel.texts()


def test_in_elder_mode_home_lists_a_few_items_a_page_and_every_one_is_reachable_by_turning(panel: Driver) -> None:
    from kiosk.ui.screens.home import ELDER_PAGE, CategoryButton

    def listed() -> list[str]:
        return [w.text for w in panel.widgets() if isinstance(w, CategoryButton) and w.get_root_window()]

    everything = listed()
    assert len(everything) > ELDER_PAGE
    panel.tap("长辈模式：关")
    seen = listed()
    assert len(seen) == ELDER_PAGE
    pages = -(-len(everything) // ELDER_PAGE)
    assert f"1/{pages}" in panel.texts()
    for _ in range(pages - 1):
        panel.tap("下一页")
        assert len(listed()) <= ELDER_PAGE
        seen += listed()
    assert seen == everything
    assert panel.find("上一页")
    panel.tap("上一页")
    assert listed() == everything[(pages - 2) * ELDER_PAGE:(pages - 1) * ELDER_PAGE]
    assert_elder_sizes(panel)


def test_a_chosen_option_is_framed_not_only_coloured(panel: Driver) -> None:
    from kivy.graphics import Color, Line

    from tests.kiosk.ui.journey import option

    to_form(panel)
    panel.tap(CONFIRM)
    panel.tap("下一步")
    label = option(panel, "delivery.method", "window")
    before = panel.find(label)
    assert not before.chosen
    panel.tap(label)
    chosen = panel.find(label)
    colour, frames = None, []
    for instruction in chosen.canvas.after.children:
        if isinstance(instruction, Color):
            colour = tuple(instruction.rgba)
        elif isinstance(instruction, Line):
            frames.append(colour)
    assert chosen.chosen
    assert frames == [panel.app.theme.colours.on_dark]  # a white frame drawn inside the chosen button
