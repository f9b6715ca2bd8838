"""A restarted monitor resumes its alerts, since-times and history; help requests stay open until staff handle them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, insert, select

from central.monitor import alertdb
from central.monitor.alerts import Alert, AlertBook
from central.monitor.monitor import Seen
from central.monitor.statusdb import read_status
from central.platform.schema import fleet_status, messages
from main import cli
from tests.central.dashboard.helpers import client_over, csrf_of, log_in
from tests.central.monitor.helpers import ONLINE, beat, fleet, monitor_for


def test_a_restarted_monitor_keeps_live_alerts_and_pages_nobody_again(tmp_path: Path, sqlite_db: Engine) -> None:
    first, book = fleet(tmp_path, sqlite_db)
    book.acknowledge("paper_out", "LC0002", "ops-li", datetime.now(UTC))
    first.flush(datetime.now(UTC) + timedelta(seconds=35))
    events: list[tuple[str, Alert]] = []
    second = monitor_for(tmp_path, sqlite_db, AlertBook(lambda event, alert: events.append((event, alert))))
    second.resume()
    assert second.alerts is not None
    live = second.alerts.alerts[("paper_out", "LC0002")]
    assert (live.state.value, live.acknowledged_by) == ("acknowledged", "ops-li")
    now = datetime.now(UTC) + timedelta(seconds=40)
    second.seen = {"LC0002": Seen(ONLINE, beat("LC0002", "out"), now)}
    second.flush(now)
    second.flush(now + timedelta(minutes=2))
    assert events == []  # still out of paper: the same alert, nobody paged twice
    second.seen = {"LC0002": Seen(ONLINE, beat("LC0002", "full"), now + timedelta(minutes=3))}
    second.flush(now + timedelta(minutes=3))
    second.flush(now + timedelta(minutes=4, seconds=1))
    assert [(e, a.rule) for e, a in events] == [("resolved", "paper_out")]
    stored = [a for a in alertdb.read(sqlite_db) if a["rule"] == "paper_out"]
    assert [(a["state"], a["acknowledged_by"], a["resolved_by"]) for a in stored] == [
        ("resolved", "ops-li", "condition cleared")]


def test_unchanged_terminals_are_not_rewritten_and_since_times_survive_a_restart(
        tmp_path: Path, sqlite_db: Engine) -> None:
    monitor, _ = fleet(tmp_path, sqlite_db)
    before = {r.terminal: (r.changed_at, r.written_at) for r in read_status(sqlite_db)}
    monitor.flush(datetime.now(UTC) + timedelta(seconds=40))
    after = {r.terminal: (r.changed_at, r.written_at) for r in read_status(sqlite_db)}
    assert after == before  # nothing changed, nothing written
    restarted = monitor_for(tmp_path, sqlite_db, AlertBook(lambda event, alert: None))
    restarted.resume()
    restarted.seen = dict(monitor.seen)
    restarted.flush(datetime.now(UTC) + timedelta(seconds=45))
    with sqlite_db.connect() as conn:
        changed = dict(conn.execute(select(fleet_status.c.terminal, fleet_status.c.changed_at)).all())
    assert changed == {t: since for t, (since, _) in before.items()}


def _help_request(engine: Engine, terminal: str, at: datetime, n: int) -> None:
    """Store a help request as central ingest does (the envelope's bytes do not matter to the monitor)."""
    with engine.begin() as conn:
        conn.execute(insert(messages).values(id=f"help-{n}", terminal=terminal, seq=n, kind="help_request",
                                             created=at.isoformat(), received_at=at.isoformat(), envelope=b"{}"))


def test_a_help_request_pages_after_two_minutes_until_staff_handle_it(tmp_path: Path, sqlite_db: Engine) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    now = datetime.now(UTC) + timedelta(seconds=60)
    _help_request(sqlite_db, "LC0001", now, 1)
    _help_request(sqlite_db, "LC0001", now - timedelta(hours=9), 2)  # stale: a shift ago
    monitor.seen["LC0001"] = Seen(ONLINE, beat("LC0001"), now)
    for step in range(5):
        monitor.seen["LC0001"] = replace(monitor.seen["LC0001"], beat_at=now + timedelta(seconds=40 * step))
        monitor.flush(now + timedelta(seconds=40 * step))
    assert ("help_request", "LC0001") in book.alerts
    assert monitor.ingested == 1  # the fresh request, counted once for the ingest rate; the stale one never
    client = client_over(monitor, book)[0]
    assert log_in(client, "ops-li") == 303
    token = {"X-CSRF-Token": csrf_of(client)}
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    assert families["yichuang_ingest_messages"].samples[0].value == 1
    done = client.post("/api/alerts/help_request/LC0001/resolve", headers=token).json()
    assert done["state"] == "resolved"
    assert client.post("/api/terminals/LC0001/help-handled", headers=token).json() == {"handled": 0}
    listed = CliRunner().invoke(cli, ["central", "help-requests", "--json", "--db", str(sqlite_db.url)])
    assert {(r["id"], r["handled_by"]) for r in json.loads(listed.output)} == {
        ("help-1", "ops-li"), ("help-2", "ops-li")}
    later = now + timedelta(minutes=10)
    monitor.seen["LC0001"] = replace(monitor.seen["LC0001"], beat_at=later)
    monitor.flush(later)
    monitor.flush(later + timedelta(minutes=3))
    assert ("help_request", "LC0001") not in book.alerts  # handled: no new alert


def test_help_handled_from_the_command_line(tmp_path: Path, sqlite_db: Engine) -> None:
    _help_request(sqlite_db, "LC0001", datetime.now(UTC), 1)
    url = str(sqlite_db.url)
    waiting = CliRunner().invoke(cli, ["central", "help-requests", "--open", "--json", "--db", url])
    assert [r["id"] for r in json.loads(waiting.output)] == ["help-1"]
    done = CliRunner().invoke(cli, ["central", "help-handled", "LC0001", "--by", "staff-wu", "--db", url])
    assert "1 help request of LC0001 marked handled by staff-wu" in done.output
    assert json.loads(CliRunner().invoke(cli, ["central", "help-requests", "--open", "--json", "--db", url]).output) == []
