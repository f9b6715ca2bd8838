"""Working-day calendar: holidays, 调休 weekends, and adding working days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import WorkingCalendar
from domain.catalog_loader import load_catalog
from domain.data import SAMPLE_CATALOG

CALENDAR = load_catalog(SAMPLE_CATALOG).calendar
DAYS = st.dates(min_value=date(2024, 6, 1), max_value=date(2027, 6, 30))


def test_national_day_and_adjusted_weekends_2026() -> None:
    assert not CALENDAR.is_working_day(date(2026, 10, 1))
    assert not CALENDAR.is_working_day(date(2026, 10, 7))
    assert CALENDAR.is_working_day(date(2026, 10, 10))  # a Saturday worked (调休)
    assert CALENDAR.is_working_day(date(2026, 9, 20))  # a Sunday worked (调休)
    assert not CALENDAR.is_working_day(date(2026, 11, 22))  # an ordinary Sunday


def test_adding_across_the_spring_festival() -> None:
    # Friday 2026-02-13 + 1 working day: the 14th is a worked Saturday.
    assert CALENDAR.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    # From the worked Saturday, the holiday runs 15–23 February.
    assert CALENDAR.add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_zero_days_means_the_next_working_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert CALENDAR.add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_outside_the_covered_years_weekdays_are_working_days() -> None:
    assert not CALENDAR.covers(date(2027, 1, 1))
    assert CALENDAR.is_working_day(date(2027, 1, 1))  # a Friday, holiday unknown
    assert not CALENDAR.is_working_day(date(2027, 1, 2))


@given(DAYS, st.integers(min_value=0, max_value=60))
def test_due_dates_never_land_on_a_day_off(start: date, days: int) -> None:
    due = CALENDAR.add_working_days(start, days)
    assert CALENDAR.is_working_day(due)
    assert due not in CALENDAR.holidays


@given(DAYS, st.integers(min_value=0, max_value=60))
def test_adding_more_days_never_gives_an_earlier_date(start: date, days: int) -> None:
    earlier, later = CALENDAR.add_working_days(start, days), CALENDAR.add_working_days(start, days + 1)
    assert earlier <= later
    if days >= 1:
        assert earlier < later


@given(DAYS, st.integers(min_value=1, max_value=60))
def test_exactly_n_working_days_lie_in_between(start: date, days: int) -> None:
    due = CALENDAR.add_working_days(start, days)
    between = [start + timedelta(d) for d in range(1, (due - start).days + 1)]
    assert sum(CALENDAR.is_working_day(d) for d in between) == days


def test_negative_days_are_refused() -> None:
    calendar = WorkingCalendar(2026, 2026, frozenset(), frozenset())
    try:
        calendar.add_working_days(date(2026, 1, 5), -1)
    except ValueError:
        return
    raise AssertionError("negative days accepted")
