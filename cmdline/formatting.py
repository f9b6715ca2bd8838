"""How operator output writes times and counts: one convention for every command."""

from __future__ import annotations

from datetime import UTC, datetime

# Operator output shows local time to the second with the zone offset, so a time read off one
# command compares with another's, with the journal's and with the wall clock: 2026-12-03 15:20:13 +08:00.


def when(value: datetime | str | None) -> str:
    """Return ``value`` (a datetime or ISO 8601 string; UTC if it names no zone) as local time with its offset."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value  # not a time: shown as it is
    else:
        moment = value
    text = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone().isoformat(" ", "seconds")
    return f"{text[:19]} {text[19:]}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """Return ``1 application`` or ``2 applications`` (``many`` for irregular plurals)."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
