"""Working-day calendar: statutory holidays and adjusted working weekends (调休)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SATURDAY = 5


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days government offices work; complete for ``first_year..last_year``."""

    first_year: int
    last_year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # weekend days that are working days

    def covers(self, day: date) -> bool:
        """Return whether the holiday lists are complete for ``day``'s year."""
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: date) -> bool:
        """Return whether offices work on ``day`` (Monday–Friday outside covered years)."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < SATURDAY

    def next_working_day(self, day: date) -> date:
        """Return ``day`` if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """Return the date ``days`` working days after ``start`` (0: the next working day).

        The day of application does not count, as in 承诺时限 practice; a result is always
        a working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return self.next_working_day(start)
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day
