"""Fleet history: slots keep the worst state, the available share and the largest backlog; periods survive restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select

from central.monitor.history import HOUR, MINUTE, History
from central.monitor.rows import State, TerminalStatus
from central.platform.schema import fleet_history

T0 = datetime(2026, 11, 22, 9, 58, tzinfo=UTC)


def row(terminal: str, state: str, backlog: int | None = None) -> TerminalStatus:
    return TerminalStatus(terminal=terminal, state=State(state), backlog=backlog, changed_at="x")


def feed(history: History, start: datetime, seconds: int, states: list[str], backlog: int | None = None) -> datetime:
    """Sample one terminal every 5 s, cycling through ``states``."""
    now = start
    for n in range(seconds // 5):
        history.sample([row("LC0001", states[n % len(states)], backlog)], now)
        now += timedelta(seconds=5)
    return now


def test_a_minute_keeps_its_worst_state_the_available_share_and_the_largest_backlog(sqlite_db: Engine) -> None:
    history = History(sqlite_db)
    history.sample([row("LC0001", "online", 3)], T0)
    history.sample([row("LC0001", "degraded", 7)], T0 + timedelta(seconds=20))
    history.sample([row("LC0001", "online", 2)], T0 + timedelta(seconds=40))
    history.sample([row("LC0001", "online", 1)], T0 + timedelta(seconds=65))
    points = history.series("LC0001", "minute", T0 - timedelta(minutes=5))
    assert [(p["at"], p["state"], p["available_pct"], p["backlog"]) for p in points] == [
        (T0.isoformat(), "degraded", 66.7, 7), ((T0 + timedelta(minutes=1)).isoformat(), "online", 100.0, 1)]
    hours = history.series("LC0001", "hour", T0 - timedelta(hours=2))
    assert [(p["at"], p["state"], p["available_pct"]) for p in hours] == [
        (T0.replace(minute=0).isoformat(), "degraded", 75.0)]


def test_periods_close_at_their_boundary_and_a_restart_resumes_the_one_in_progress(sqlite_db: Engine) -> None:
    history = History(sqlite_db, checkpoint=timedelta(minutes=5))
    now = feed(history, T0, 240, ["online"], 4)  # 09:58 → 10:02: the 09:00 hour closes at 10:00
    history.save(now)
    now = feed(history, now, 60, ["offline"])
    history.save(now, force=True)  # a clean stop
    resumed = History(sqlite_db)
    resumed.load(now)
    feed(resumed, now, 60, ["online"], 9)
    points = resumed.series("LC0001", "minute", T0)
    assert [p["state"] for p in points] == ["online"] * 4 + ["offline", "online"]
    assert points[-1]["backlog"] == 9
    assert points[4]["available_pct"] == 0.0
    assert points[4]["backlog"] is None
    with sqlite_db.connect() as conn:
        periods = conn.execute(select(fleet_history.c.resolution, fleet_history.c.period_start)
                               .order_by(fleet_history.c.resolution, fleet_history.c.period_start)).all()
    assert periods == [("hour", T0.replace(hour=0, minute=0).isoformat()),
                       ("minute", T0.replace(minute=0).isoformat()),
                       ("minute", T0.replace(hour=10, minute=0).isoformat())]


def test_rows_past_their_retention_are_dropped(sqlite_db: Engine) -> None:
    history = History(sqlite_db)
    old = T0 - timedelta(days=40)
    history.sample([row("LC0001", "online")], old)
    history.save(old)
    history.sample([row("LC0001", "online")], T0 - timedelta(hours=26))
    history.save(T0 - timedelta(hours=26), force=True)
    with sqlite_db.connect() as conn:  # 40 days is past both retentions
        assert conn.execute(select(func.count()).select_from(fleet_history)).scalar() == 2
    history.sample([row("LC0001", "online")], T0)
    history.save(T0, force=True)
    with sqlite_db.connect() as conn:
        kept = conn.execute(select(fleet_history.c.resolution, fleet_history.c.period_start)).all()
    assert sorted(kept) == sorted([  # 26 hours: gone by the minute, kept by the hour
        ("hour", HOUR.start(T0 - timedelta(hours=26)).isoformat()),
                                   ("hour", HOUR.start(T0).isoformat()), ("minute", MINUTE.start(T0).isoformat())])


def test_saves_between_checkpoints_write_nothing_unless_a_period_closed(sqlite_db: Engine) -> None:
    history = History(sqlite_db, checkpoint=timedelta(minutes=5))
    history.sample([row("LC0001", "online")], T0)
    assert history.save(T0) is True  # the first save writes
    history.sample([row("LC0001", "online")], T0 + timedelta(seconds=30))
    assert history.save(T0 + timedelta(seconds=30)) is False
    history.sample([row("LC0001", "online")], T0 + timedelta(minutes=2, seconds=1))  # 10:00:01: the hour closed
    assert history.save(T0 + timedelta(minutes=2, seconds=1)) is True


def test_availability_over_a_window_counts_the_hours_ending_inside_it_from_rows_and_memory(sqlite_db: Engine) -> None:
    history = History(sqlite_db)
    day_before = T0 - timedelta(days=1)  # 2026-11-21 09:58: a closed day, read back from its row
    history.sample([row("LC0001", "offline"), row("LC0002", "online")], day_before)
    history.sample([row("LC0001", "online"), row("LC0002", "online")], T0)  # closes the day: saved below
    history.sample([row("LC0001", "degraded"), row("LC0002", "online")], T0 + timedelta(hours=1))
    history.save(T0 + timedelta(hours=1))
    assert history.availability(T0 - timedelta(days=2)) == {"LC0001": (1, 3), "LC0002": (3, 3)}
    assert history.availability(T0 - timedelta(minutes=30)) == {"LC0001": (1, 2), "LC0002": (2, 2)}
    assert history.availability(T0 + timedelta(minutes=30)) == {"LC0001": (0, 1), "LC0002": (1, 1)}
    assert History(sqlite_db).availability(T0 - timedelta(days=2)) == {"LC0001": (1, 3), "LC0002": (3, 3)}


def test_the_monitor_samples_every_terminal_each_minute_and_one_whose_state_changed_at_once(sqlite_db: Engine) -> None:
    history = History(sqlite_db)
    rows = {"LC0001": row("LC0001", "online", 3), "LC0002": row("LC0002", "online", 1)}
    history.observe(rows, None, T0)  # a new minute: every terminal
    for second in range(5, 60, 5):  # a flush every 5 s; both heard each time
        if second == 20:
            rows["LC0002"] = row("LC0002", "degraded", 1)
        if second == 30:
            rows["LC0001"] = row("LC0001", "online", 9)  # a larger backlog, the same state: no sample, a new peak
        history.observe(rows, set(rows), T0 + timedelta(seconds=second))
    history.observe(rows, set(), T0 + timedelta(seconds=65))  # the next minute: every terminal, heard or not
    minute = history.live["minute"]
    assert [list(minute[t].samples[58:60]) for t in rows] == [[1, 1], [2, 1]]
    points = {t: [(p["state"], p["available_pct"], p["backlog"]) for p in history.series(t, "minute", T0)] for t in rows}
    assert points == {"LC0001": [("online", 100.0, 9), ("online", 100.0, 9)],
                      "LC0002": [("degraded", 50.0, 1), ("degraded", 0.0, 1)]}
