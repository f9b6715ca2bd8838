"""The "needs action first" order and the counts, kept by the terminals that changed, agree with a full sort and count."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from central.monitor.alerts import AlertBook
from central.monitor.monitor import Seen
from central.monitor.order import Order, place
from central.monitor.rows import State, TerminalStatus
from tests.central.monitor.helpers import ONLINE, beat, monitor_for


def status(terminal: str, state: State, hall: str, backlog: int | None = None) -> TerminalStatus:
    return TerminalStatus(terminal=terminal, hall=hall, site="bank" if hall == "h1" else "hall", state=state,
                          backlog=backlog, changed_at="x")


def test_moving_only_the_changed_terminals_keeps_the_order_and_counts_a_full_sort_would_give() -> None:
    pick = random.Random(27)
    names = [f"LC{n:04d}" for n in range(60)]
    rows = {t: status(t, State.ONLINE, "h0") for t in names}
    catalogs = dict.fromkeys(names, "2026.11.1")
    order, alerted = Order(), set[str]()
    order.update(dict(rows), None, alerted, catalogs.get)
    for _ in range(300):
        changed = set(pick.sample(names, 4))
        for terminal in changed:
            rows[terminal] = status(terminal, pick.choice(list(State)), pick.choice(["h0", "h1", "h2"]),
                                    pick.choice([None, 0, 3, 250]))
            catalogs[terminal] = pick.choice(["2026.11.1", "2026.12.8"])
        flipped = set(pick.sample(names, 2)) ^ alerted if pick.random() < 0.3 else set()
        alerted ^= flipped
        order.update(dict(rows), changed | flipped, alerted, catalogs.get)
        assert order.keys == sorted((place(r, t in alerted), t) for t, r in rows.items())
        assert order.counts.by_state == dict(Counter(r.state for r in rows.values()))
        assert order.counts.backlog == sum(r.backlog or 0 for r in rows.values())
        assert {h.hall: (h.total, h.available) for h in order.counts.halls} == {
            hall: (sum(r.hall == hall for r in rows.values()),
                   sum(r.hall == hall and r.state is State.ONLINE for r in rows.values()))
            for hall in {r.hall for r in rows.values()}}
        assert order.counts.sites == tuple(sorted({r.site for r in rows.values()}))
        assert dict(order.counts.catalogs) == dict(Counter(catalogs.values()))


def test_pages_walk_the_whole_order_once_and_a_filter_keeps_its_rows() -> None:
    rows = {f"LC{n:04d}": status(f"LC{n:04d}", list(State)[n % len(State)], f"h{n % 3}") for n in range(25)}
    order = Order()
    order.update(rows, None, {"LC0005"}, lambda t: None)
    walked, after = [], None
    while True:
        page, after = order.page(4, after=after)
        walked += [r.terminal for r in page]
        if after is None:
            break
    assert walked == [t for _, t in order.keys]
    assert walked[:5] == ["LC0000", "LC0006", "LC0012", "LC0018", "LC0024"]  # offline first
    assert len(walked) == len(set(walked)) == 25
    assert walked[8:10] == ["LC0019", "LC0005"]  # the last degraded, then the online one with a live alert
    assert order.page(3, keep=lambda r: r.hall == "h1")[0] == [rows["LC0001"], rows["LC0007"], rows["LC0013"]]
    assert order.page(100, keep=lambda r: r.hall == "nowhere") == ([], None)
    assert order.count(lambda r: r.hall == "h1") == 8


def test_a_flush_moves_a_terminal_that_changed_state_or_alerts_to_its_place(tmp_path: Path, sqlite_db: Engine) -> None:
    book = AlertBook(lambda event, alert: None)
    monitor = monitor_for(tmp_path, sqlite_db, book)
    start = datetime.now(UTC)
    papers = {"LC0001": "full", "LC0002": "full", "ZD0001": "full"}

    def flush(seconds: int) -> list[str]:
        now = start + timedelta(seconds=seconds)
        monitor.seen = {t: Seen(ONLINE, beat(t, paper), now) for t, paper in papers.items()}
        monitor.flush(now)
        return [r.terminal for r in monitor.order.page(10)[0]]

    assert flush(0) == ["LC0001", "LC0002", "ZD0001"]
    papers["ZD0001"] = "out"
    assert flush(5) == ["ZD0001", "LC0001", "LC0002"]  # degraded first
    assert monitor.order.counts.by_state == {State.ONLINE: 2, State.DEGRADED: 1}
    papers["LC0002"] = "low"  # still online
    assert flush(10) == ["ZD0001", "LC0001", "LC0002"]
    assert flush(180) == ["ZD0001", "LC0002", "LC0001"]  # held long enough: an online terminal with a live alert
    assert ("paper_low", "LC0002") in book.alerts
    papers["LC0002"] = "full"
    flush(185)
    assert flush(250) == ["ZD0001", "LC0001", "LC0002"]  # clear for longer than a minute: resolved, back in line
    assert ("paper_low", "LC0002") not in book.alerts
