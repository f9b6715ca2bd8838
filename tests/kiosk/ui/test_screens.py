"""Screens as a citizen meets them: a form page opens at its top, reading a long guide is not idleness,
help once called stays in sight, a disabled Start says why, English search, categories in their order."""

from __future__ import annotations

from tests.kiosk.ui.driver import Driver
from tests.kiosk.ui.journey import in_sight, to_business


def test_a_form_page_opens_at_its_top(kiosk: Driver) -> None:
    to_business(kiosk)
    session = kiosk.app.session
    scroll = kiosk.app.manager.get_screen("form").ids.scroll
    first = session.groups()[session.group][1][0]
    seal = session.offering.field("business.seal_types").options[-1].label.zh
    kiosk.tap(seal)  # near the end of the long business page: the page scrolls down to it
    assert scroll.scroll_y < 0.5
    kiosk.tap("返回")
    kiosk.tap("下一步")
    assert scroll.scroll_y == 1
    assert in_sight(kiosk, first.label.zh)
