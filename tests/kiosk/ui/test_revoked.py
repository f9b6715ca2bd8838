"""A terminal whose self-test found its certificate revoked says so on the out-of-service screen, until a test passes."""

from __future__ import annotations

from kiosk.services.availability import REVOKED
from tests.kiosk.ui.driver import Driver


def test_a_revoked_certificate_is_named_to_citizens_and_cleared_by_a_passing_selftest(kiosk: Driver) -> None:
    assert kiosk.screen == "home"
    kiosk.store.record_event("selftest", "warning", {"ok": False, "failed": ["broker"], "revoked": True})
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "out_of_service", what="out of service for the revoked certificate")
    assert "•" + REVOKED.zh in kiosk.texts()
    kiosk.app.switch_language()
    kiosk.until(lambda: "•" + REVOKED.en in kiosk.texts(), what="the reason in English")
    kiosk.app.switch_language()
    kiosk.store.record_event("selftest", "info", {"ok": True, "failed": [], "revoked": False})
    kiosk.app.check_devices()
    kiosk.until(lambda: kiosk.screen == "home", what="home again after a passing self-test")
    assert REVOKED not in kiosk.app.availability.reasons


def test_an_older_selftest_without_the_field_is_not_taken_for_revoked(kiosk: Driver) -> None:
    kiosk.store.record_event("selftest", "warning", {"ok": False, "failed": ["broker"]})
    kiosk.app.check_devices()
    kiosk.frames(10)
    assert kiosk.screen == "home"
    assert kiosk.app.availability.can_apply
