"""Server-rendered SVG charts of a terminal's history: no script, no chart library, nothing fetched.

Two charts per window (24 h by the minute, 7 days by the hour): availability (the share of
samples in each slot in which the terminal could take applications, coloured by the worst
state seen) and the outbox backlog (the largest seen in each slot). Consecutive equal slots
are drawn as one bar, so 1 440 minutes cost a handful of elements on a steady terminal.
Slots without data stay blank: a gap in the chart is a gap in what the monitor heard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 150, 44, 20, 8
COLOURS = {"online": "#2e7d32", "degraded": "#f9a825", "offline": "#c62828", "maintenance": "#607d8b",
           "revoked": "#4a148c", "retired": "#616161"}


@dataclass(frozen=True)
class Window:
    """The time span a chart covers."""

    start: datetime
    end: datetime
    slot: timedelta

    def x(self, at: datetime) -> float:
        """Return the horizontal position of ``at``."""
        span = (self.end - self.start).total_seconds()
        return LEFT + (WIDTH - LEFT) * (at - self.start).total_seconds() / span

    def ticks(self, count: int = 4) -> list[datetime]:
        """Return evenly spaced times for the axis labels."""
        step = (self.end - self.start) / count
        return [self.start + step * n for n in range(count + 1)]


def _frame(title: str, window: Window, top_label: str, label_format: str, body: list[str]) -> Markup:
    """Wrap chart elements in an SVG with its axis, time labels and an accessible title."""
    plot_bottom = HEIGHT - BOTTOM
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH}" y2="{plot_bottom}" class="axis"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{plot_bottom}" class="axis"/>',
             f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" class="label">{escape(top_label)}</text>',
             f'<text x="{LEFT - 4}" y="{plot_bottom}" text-anchor="end" class="label">0</text>']
    for tick in window.ticks():
        x = window.x(tick)
        anchor = "start" if x <= LEFT else "end" if x >= WIDTH - 1 else "middle"
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 4}" text-anchor="{anchor}" class="label">'
                     f"{tick.strftime(label_format)}</text>")
    parts += body
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers and escaped text only


def _runs(points: list[dict[str, Any]], key: Any, slot: timedelta) -> list[tuple[datetime, datetime, Any]]:
    """Merge consecutive slots with the same value of ``key`` into (start, end, value) runs."""
    runs: list[tuple[datetime, datetime, Any]] = []
    for point in points:
        at = datetime.fromisoformat(point["at"])
        value = key(point)
        if runs and runs[-1][1] == at and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], at + slot, value)
        else:
            runs.append((at, at + slot, value))
    return runs


def availability(points: list[dict[str, Any]], window: Window, title: str, label_format: str) -> Markup:
    """Bars of the available share per slot, coloured by the slot's worst state."""
    plot = HEIGHT - BOTTOM - TOP
    body = []
    for start, end, (state, pct) in _runs(points, lambda p: (p["state"], p["available_pct"]), window.slot):
        x0, x1 = max(window.x(start), LEFT), min(window.x(end), WIDTH)
        if x1 <= x0:
            continue
        height = max(plot * pct / 100, 2.0)  # an unavailable slot still shows its state's colour
        body.append(f'<rect x="{x0:.1f}" y="{TOP + plot - height:.1f}" width="{x1 - x0:.2f}" height="{height:.1f}" '
                    f'fill="{COLOURS.get(state, "#9e9e9e")}" data-state="{escape(state)}"/>')
    return _frame(title, window, "100%", label_format, body)


def _ceiling(value: int) -> int:
    """Return a round axis maximum at or above ``value``."""
    for nice in (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000):
        if value <= nice:
            return nice
    return value


def backlog(points: list[dict[str, Any]], window: Window, title: str, label_format: str) -> Markup:
    """Steps of the largest outbox backlog per slot (no line where nothing was reported)."""
    plot = HEIGHT - BOTTOM - TOP
    top = _ceiling(max((p["backlog"] or 0 for p in points), default=0))
    body = []
    for start, end, value in _runs(points, lambda p: p["backlog"], window.slot):
        if value is None:
            continue
        x0, x1 = max(window.x(start), LEFT), min(window.x(end), WIDTH)
        y = TOP + plot - plot * value / top
        body.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.5):.2f}" height="{TOP + plot - y:.1f}" '
                    f'class="backlog" data-backlog="{value}"/>')
    return _frame(title, window, str(top), label_format, body)
