"""Dates are picked, never typed: the year from a page of ten, then the month, then the day.

One question at a time (as older citizens find easiest), each a handful of large keys; the
line above shows the date so far, and a tap on its year or month goes back to that step. The
field's answer changes only once a whole date is chosen.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from typing import Any

from kivy.app import App
from kivy.uix.boxlayout import BoxLayout

from kiosk.ui.inputs.keys import Key, KeyRows
from kiosk.ui.widgets import BigButton, Themed, discard

YEARS = (1900, 2099)


def parse(value: str) -> date | None:
    """Return the date an answer holds, or None."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def year_rows(decade: int) -> list[list[Key]]:
    """Return a decade's years in two rows, with keys to the decades before and after."""
    years = [Key(str(y), f"y{y}") for y in range(decade, decade + 10) if YEARS[0] <= y <= YEARS[1]]
    return [[Key("◀", "earlier"), Key(f"{decade}–{decade + 9}", "", 3), Key("▶", "later")], years[:5], years[5:]]


def month_rows() -> list[list[Key]]:
    """Return the twelve months in three rows of four."""
    return [[Key(str(m), f"m{m}") for m in range(first, first + 4)] for first in (1, 5, 9)]


def day_rows(year: int, month: int) -> list[list[Key]]:
    """Return the days of a month in rows of seven."""
    days = [Key(str(d), f"d{d}") for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    return [days[i : i + 7] for i in range(0, len(days), 7)]


class DatePicker(Themed, BoxLayout):
    """Year, month and day, one step at a time; ``on_change`` gets YYYY-MM-DD once all three are chosen."""

    def __init__(self, value: str, today: date, on_change: Callable[[str], Any], **kwargs: Any) -> None:
        """Start on the year step at the decade of ``value`` (or today)."""
        super().__init__(orientation="vertical", size_hint_y=None, **kwargs)
        given = parse(value)
        start = given or today
        self.year: int | None = given.year if given else None
        self.month: int | None = given.month if given else None
        self.day: int | None = given.day if given else None
        self.decade, self.on_change = start.year - start.year % 10, on_change
        theme = App.get_running_app().theme
        self.spacing = theme.gap / 2
        self.heading = BoxLayout(size_hint_y=None, height=theme.target, spacing=self.spacing)
        self.rows = KeyRows()
        self.add_widget(self.heading)
        self.add_widget(self.rows)
        self.bind(minimum_height=self.setter("height"))
        self.step = "year"
        self.show()

    def show(self) -> None:
        """Draw the date so far and the keys of the current step."""
        discard(self.heading)
        parts = [(f"{self.year}" if self.year else "____", "to_year"), (f"{self.month:02d}" if self.month else "__",
                 "to_month"), (f"{self.day:02d}" if self.day else "__", "to_day")]
        for text, action in parts:
            self.heading.add_widget(BigButton(text=text, on_release=lambda _b, a=action: self.press(a)))
        rows = {"year": lambda: year_rows(self.decade), "month": month_rows,
                "day": lambda: day_rows(self.year or 2000, self.month or 1)}[self.step]()
        self.rows.build(rows, self.press)

    def press(self, key: str) -> None:
        """Apply one key: a year, a month or a day, a decade page, or a step to go back to."""
        before = self.chosen()
        if key in {"earlier", "later"}:
            self.decade = min(max(self.decade + (10 if key == "later" else -10), YEARS[0]), YEARS[1] - 9)
        elif key.startswith("to_"):  # back to a step already reached: a month needs a year, a day a month
            reached = {"to_year": True, "to_month": self.year is not None, "to_day": self.month is not None}
            self.step = key[3:] if reached[key] else self.step
        elif key[0] == "y":
            self.year, self.step = int(key[1:]), "month"
        elif key[0] == "m" and self.year:
            self.month, self.step = int(key[1:]), "day"
        elif key[0] == "d" and self.year and self.month:
            self.day = int(key[1:])
        if self.year and self.month and self.day and self.day > calendar.monthrange(self.year, self.month)[1]:
            self.day = None  # 31 after switching to February: the day must be chosen again
        if self.chosen() != before:
            self.on_change(self.chosen())
        self.show()

    def chosen(self) -> str:
        """Return the whole date chosen so far as YYYY-MM-DD, or "" while a part is missing."""
        if self.year and self.month and self.day:
            return date(self.year, self.month, self.day).isoformat()
        return ""
