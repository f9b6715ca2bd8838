"""#21 finding 14: the technician PIN is not trivial, and guessing it is slowed to a crawl, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.services.technician import FREE_TRIES, PinLocked, TechnicianPin, pin_problem
from provisioning.enroll import EnrollError, hash_pin
from tests.kiosk.store.helpers import open_test_store

PIN = "246810"


class Clock:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.mark.parametrize("pin", ["000000", "123456", "654321", "999999", "890123", "121212", "123123", "12345",
                                 "1234567890123", "12a456", "２４６８１０"])
def test_trivial_short_or_non_digit_pins_are_refused_at_enrollment(pin: str) -> None:
    assert pin_problem(pin) is not None
    with pytest.raises(EnrollError, match="PIN"):
        hash_pin(pin)


def test_an_ordinary_pin_is_accepted_and_checked(tmp_path: Path) -> None:
    assert pin_problem(PIN) is None
    store = open_test_store(tmp_path)
    guard = TechnicianPin(hash_pin(PIN), store)
    assert guard.check(PIN)
    assert not guard.check("135790")
    assert not TechnicianPin("", store).check(PIN)  # no hash configured: the technician screens stay locked
    store.close()


def test_five_wrong_pins_lock_the_screen_exponentially_and_a_restart_does_not_reset_it(tmp_path: Path) -> None:
    clock = Clock()
    store = open_test_store(tmp_path, clock)
    guard = TechnicianPin(hash_pin(PIN), store)
    for _ in range(FREE_TRIES):
        assert not guard.check("135790")
    with pytest.raises(PinLocked) as locked:
        guard.check(PIN)  # even the right PIN is not tried while locked
    assert locked.value.until == clock.at + timedelta(minutes=1)
    store.close()

    clock.at += timedelta(seconds=59)
    store = open_test_store(tmp_path, clock)  # the terminal restarted: the lockout is in the store
    guard = TechnicianPin(hash_pin(PIN), store)
    with pytest.raises(PinLocked):
        guard.check(PIN)
    clock.at += timedelta(seconds=2)
    assert not guard.check("135791")  # one more wrong: the next wait doubles
    with pytest.raises(PinLocked) as longer:
        guard.check(PIN)
    assert longer.value.until == clock.at + timedelta(minutes=2)
    clock.at += timedelta(minutes=2)
    assert guard.check(PIN)  # the right PIN after the wait opens, and clears the count
    assert not guard.check("135790")
    assert guard.locked_until() is None

    events = store.events()
    failed = [e for e in events if e["kind"] == "technician_pin_failed"]
    assert len(failed) == FREE_TRIES + 2
    assert failed[FREE_TRIES - 1]["detail"] == {"failures": FREE_TRIES, "locked_until": "2026-03-02T09:01:00+00:00"}
    store.close()
    for path in tmp_path.iterdir():
        assert b"135790" not in path.read_bytes(), path  # no PIN, right or wrong, is recorded anywhere


def test_a_huge_or_odd_input_costs_one_failed_try(tmp_path: Path) -> None:
    store = open_test_store(tmp_path)
    guard = TechnicianPin(hash_pin(PIN), store)
    assert not guard.check("9" * 10_000_000)
    assert not guard.check("\x00" + PIN)
    assert guard.check(PIN)
    store.close()
