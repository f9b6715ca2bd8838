"""Central's commands in the kiosk window, driven by touches: nothing changes under a citizen; between sessions it does."""

from __future__ import annotations

from domain.catalog import CATEGORY_NAMES
from kiosk.services.availability import MAINTENANCE
from tests.kiosk.commands_kit import deliver, state
from tests.kiosk.ui.driver import Driver


def _to_guide(kiosk: Driver, code: str = "SB-001") -> None:
    """Choose an item by touch and arrive at its guide (a session has begun)."""
    offering = kiosk.app.kiosk.catalog.offering(code)
    kiosk.tap(CATEGORY_NAMES[offering.items[0].category].zh, partial=True)
    kiosk.tap(offering.name.zh)
    assert kiosk.screen == "guide"


def test_a_notice_and_maintenance_wait_for_the_citizen_then_show(kiosk: Driver) -> None:
    _to_guide(kiosk)
    notice = deliver(kiosk.store, "notice", zh="本厅今日 17:00 闭厅", en="This hall closes at 17:00 today")
    kiosk.app.between.poll()  # as the 5-second poll does
    kiosk.frames(5)
    assert state(kiosk.store, notice)[0] == "delivered"  # the citizen's session is never interrupted
    assert "本厅今日 17:00 闭厅" not in kiosk.texts()
    kiosk.tap("返回")  # the citizen leaves: the session ends
    kiosk.until(lambda: "本厅今日 17:00 闭厅" in kiosk.texts(), what="the hall's notice")
    assert state(kiosk.store, notice)[0] == "succeeded"
    kiosk.app.switch_language()
    kiosk.until(lambda: "This hall closes at 17:00 today" in kiosk.texts(), what="the notice in English")
    kiosk.app.switch_language()

    maintenance = deliver(kiosk.store, "maintenance_on")
    kiosk.app.between.poll()  # an idle terminal is between sessions: it runs at once
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="maintenance")
    assert "•" + MAINTENANCE.zh in kiosk.texts()
    assert state(kiosk.store, maintenance) == ("succeeded", "in maintenance: no new applications")


def test_an_urgent_command_ends_the_session_at_the_next_screen(kiosk: Driver) -> None:
    _to_guide(kiosk)
    urgent = deliver(kiosk.store, "maintenance_on", urgent=True)
    kiosk.app.between.poll()
    kiosk.until(lambda: kiosk.app.between.urgent, what="the urgent command noticed")
    assert kiosk.screen == "guide"  # the current screen is finished first
    kiosk.tap("开始办理")
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="the session ended for maintenance")
    assert kiosk.app.session is None
    assert state(kiosk.store, urgent)[0] == "succeeded"
