"""The last known good time: raised by central's signed time, never poisoned by one false system clock reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from protocol.acks import Ack, open_acks, seal_acks
from protocol.clock import SLACK, TrustedClock

CENTRAL_NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FIVE_YEARS = timedelta(days=5 * 365)


class Readings:
    """A system clock and a monotonic clock the test sets."""

    def __init__(self, system: datetime) -> None:
        self.wall, self.mono = system, 1000.0

    def system(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono


def signed_time(at: datetime) -> datetime:
    """Central's time, as the terminal gets it: through a signed and verified ack batch."""
    key = ed25519.Ed25519PrivateKey.generate()
    batch = open_acks(seal_acks("LC0001", [Ack("LC0001", "x", "stored")], key, at), "LC0001", key.public_key())
    return batch.at


def test_one_false_future_reading_of_the_system_clock_does_not_poison_the_known_time(tmp_path: Path) -> None:
    readings = Readings(CENTRAL_NOW)
    clock = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    clock.observe_system()  # no signed time yet in this process: the system clock alone vouches for nothing
    assert not (tmp_path / "t").exists()
    clock.observe(signed_time(CENTRAL_NOW))
    readings.wall, readings.mono = CENTRAL_NOW + FIVE_YEARS, readings.mono + 60  # a bad NTP answer, a minute later
    clock.observe_system()
    assert clock.last_known_good() == CENTRAL_NOW + timedelta(seconds=60) + SLACK
    readings.wall = CENTRAL_NOW + timedelta(seconds=61)  # the clock comes back
    assert not clock.system_is_wrong()  # so OpenSSL verifies the broker at the system time, as before the jump


def test_the_system_clock_raises_the_known_time_as_far_as_monotonic_time_has_passed(tmp_path: Path) -> None:
    readings = Readings(CENTRAL_NOW)
    clock = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    clock.observe(signed_time(CENTRAL_NOW))
    readings.wall, readings.mono = CENTRAL_NOW + timedelta(days=2), readings.mono + 2 * 86400  # an idle terminal
    clock.observe_system()
    assert clock.last_known_good() == CENTRAL_NOW + timedelta(days=2)


def test_a_signed_ack_that_agrees_with_the_system_clock_corrects_a_future_known_time(tmp_path: Path) -> None:
    (tmp_path / "t").write_text((CENTRAL_NOW + FIVE_YEARS).isoformat())  # poisoned before this release
    readings = Readings(CENTRAL_NOW + timedelta(seconds=3))
    clock = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    assert clock.system_is_wrong()
    clock.observe(signed_time(CENTRAL_NOW))
    assert clock.last_known_good() == CENTRAL_NOW
    assert not clock.system_is_wrong()


def test_a_replayed_old_ack_alone_never_lowers_the_known_time(tmp_path: Path) -> None:
    readings = Readings(CENTRAL_NOW)
    clock = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    clock.observe(signed_time(CENTRAL_NOW))
    clock.observe(signed_time(CENTRAL_NOW - timedelta(days=400)))  # a compromised broker replays last year's ack
    assert clock.last_known_good() == CENTRAL_NOW
    readings.wall = datetime(1970, 1, 2, tzinfo=UTC)  # nor after a reboot without RTC
    rebooted = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    rebooted.observe(signed_time(CENTRAL_NOW - timedelta(days=400)))
    assert rebooted.last_known_good() == CENTRAL_NOW
    assert rebooted.system_is_wrong()


def test_central_running_years_ahead_moves_a_terminal_whose_clock_is_sane_ten_minutes_at_most(tmp_path: Path) -> None:
    readings = Readings(CENTRAL_NOW)
    clock = TrustedClock(tmp_path / "t", system=readings.system, monotonic=readings.monotonic)
    clock.observe(signed_time(CENTRAL_NOW + FIVE_YEARS))  # central's own clock jumped: every terminal hears it
    assert clock.last_known_good() == CENTRAL_NOW + SLACK
    readings.wall = CENTRAL_NOW + timedelta(minutes=5)
    assert not clock.system_is_wrong()  # the fleet is not locked out of TLS by central's mistake
    booted_in_1970 = TrustedClock(tmp_path / "u", system=lambda: datetime(1970, 1, 2, tzinfo=UTC))
    booted_in_1970.observe(signed_time(CENTRAL_NOW))
    assert booted_in_1970.last_known_good() == CENTRAL_NOW  # a terminal that knows its clock is wrong takes it whole
