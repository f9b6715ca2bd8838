"""Screens as a citizen meets them: a form page opens at its top, reading a long guide is not idleness,
help once called stays in sight, a disabled Start says why, English search, categories in their order."""

from __future__ import annotations

import time
from typing import Any

from kivy.tests.common import UnitTestTouch
from kivy.uix.button import Button
from kivy.uix.scrollview import ScrollView

from domain.catalog import CATEGORY_NAMES
from drivers.status import PaperState
from kiosk.services.availability import PAPER_OUT
from kiosk.services.idle import reading_s
from kiosk.ui.app import NOTICE_S
from tests.kiosk.ui.contrast import shown
from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import in_sight, to_business, to_form


def test_a_form_page_opens_at_its_top(kiosk: Driver) -> None:
    to_business(kiosk)
    session = kiosk.app.session
    scroll = kiosk.app.manager.get_screen("form").ids.scroll
    first = session.groups()[session.page][1][0]
    seal = session.offering.field("business.seal_types").options[-1].label.zh
    kiosk.tap(seal)  # near the end of the long business page: the page scrolls down to it
    assert scroll.scroll_y < 0.5
    kiosk.tap("返回")
    kiosk.tap("下一步")
    assert scroll.scroll_y == 1
    assert in_sight(kiosk, first.label.zh)


def _to_guide(kiosk: Driver, code: str) -> None:
    """Open the guide of ``code`` from home, by touch."""
    offering = kiosk.app.kiosk.catalog.offering(code)
    area = "一件事一次办" if offering.kind == "bundle" else CATEGORY_NAMES[offering.items[0].category].zh
    kiosk.tap(area, partial=True)
    kiosk.tap(offering.name.zh)
    assert kiosk.screen == "guide"


def test_reading_a_long_guide_is_not_taken_for_walking_away(kiosk: Driver) -> None:
    _to_guide(kiosk, "YJS-001")
    app = kiosk.app
    shown = sum(len(t) for t in kiosk.texts())
    assert shown > 400
    app.last_touch -= app.kiosk.settings.idle_timeout_s + 30  # a minute and a half reading, no touch
    kiosk.frames(3)
    time.sleep(1.1)
    kiosk.frames(3)
    assert not app.idle_warning
    app.last_touch = time.monotonic() - reading_s("\n".join(kiosk.texts())) - 1  # longer than it takes to read
    kiosk.until(lambda: app.idle_warning, timeout=3, what="the warning once the reading time is over")


def test_scrolling_a_guide_counts_as_being_there(kiosk: Driver) -> None:
    _to_guide(kiosk, "YJS-001")
    app = kiosk.app
    view = next(w for w in kiosk.widgets() if isinstance(w, ScrollView) and w.get_root_window())
    x, y = view.to_window(*view.center)
    finger = UnitTestTouch(x, y)
    finger.touch_down()
    kiosk.frames(2)
    app.last_touch -= 3600  # the finger rests on the page and drags it slowly up for a long while
    for step in range(1, 30):
        finger.touch_move(x, y + step * 10)
        kiosk.frames(1)
    finger.touch_up()
    kiosk.frames(3)
    assert view.scroll_y < 1  # it scrolled
    assert time.monotonic() - app.last_touch < 5
    time.sleep(1.1)
    kiosk.frames(3)
    assert not app.idle_warning


def _overlaps(first: Any, second: Any) -> bool:
    """Return whether two widgets' rectangles overlap on the window."""
    (ax, ay), (bx, by) = first.to_window(*first.pos), second.to_window(*second.pos)
    return ax < bx + second.width and bx < ax + first.width and ay < by + second.height and by < ay + first.height


def test_help_once_called_stays_in_sight_without_covering_a_button_until_staff_come(kiosk: Driver) -> None:
    to_form(kiosk)
    kiosk.tap("呼叫帮办")
    strip = kiosk.app.root.ids.help
    started = time.monotonic()
    kiosk.until(lambda: time.monotonic() - started > NOTICE_S + 1, timeout=NOTICE_S + 3)  # past the short message
    assert shown(strip)
    assert "已呼叫工作人员" in kiosk.app.root.ids.help_message.text
    buttons = [w for w in kiosk.widgets() if isinstance(w, Button) and shown(w) and w.text != "工作人员已到"]
    assert [b.text for b in buttons if _overlaps(b, strip)] == []
    kiosk.tap("工作人员已到")  # staff attend
    assert not shown(strip)
    kiosk.tap("呼叫帮办")
    assert shown(strip)
    kiosk.tap("返回")  # the session ends
    assert kiosk.screen == "home"
    assert not shown(strip)


def test_a_disabled_start_says_why(kiosk: Driver) -> None:
    kiosk.printer.emulator.state.paper = PaperState.OUT
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service")
    kiosk.tap("查看办事指南")
    _to_guide(kiosk, "SB-001")
    assert all(b.disabled for b in kiosk.widgets() if getattr(b, "text", "") == "开始办理")
    assert [t for t in kiosk.texts() if "本机暂时不能开始办理" in t and PAPER_OUT.zh in t]


def test_english_letters_find_a_service_by_its_english_name(kiosk: Driver) -> None:
    item = kiosk.app.kiosk.catalog.offering("SB-001")
    for letter in item.name.en.split()[0].upper():
        kiosk.tap(letter)
    kiosk.tap(item.name.zh)
    assert kiosk.screen == "guide"


def test_home_lists_the_service_areas_in_the_catalogs_order(kiosk: Driver) -> None:
    from domain.catalog import CATEGORY_NAMES

    catalog = kiosk.app.kiosk.catalog
    order = [c for c in catalog.meta.category_order if any(i.category == c for i in catalog.items.values())]
    assert order[0] == "social_security"
    shown_names = [t.split("  (")[0] for t in kiosk.texts() if "  (" in t]
    assert shown_names[:len(order)] == [CATEGORY_NAMES[c].zh for c in order]


def test_a_guide_says_done_on_the_spot_rather_than_zero_working_days(kiosk: Driver) -> None:
    _to_guide(kiosk, "YB-001")
    assert kiosk.app.session.offering.promised_limit_days == 0
    assert "当场办结" in kiosk.texts()
    assert not any("0 个工作日" in t for t in kiosk.texts())
