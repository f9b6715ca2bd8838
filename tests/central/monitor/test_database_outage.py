"""Central's database going away at night: the monitor keeps assessing and paging from memory, then catches up."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine

from central.api.app import render_metrics
from central.monitor import alertdb
from central.monitor.monitor import Seen
from central.monitor.statusdb import read_status
from tests.central.monitor.helpers import ONLINE, beat, fleet


def test_an_alert_opened_while_the_database_is_down_is_written_when_it_returns(tmp_path: Path,
                                                                              sqlite_db: Engine) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    assert monitor.history is not None
    gone = create_engine(f"sqlite:///{tmp_path}/no-such-dir/central.db")  # every connection fails
    monitor.engine = monitor.history.engine = gone
    now = datetime.now(UTC) + timedelta(seconds=60)
    monitor.seen["LC0001"] = Seen(ONLINE, beat("LC0001", "out"), now)
    assert monitor.flush(now) == 3  # the registry as last read
    monitor.seen["LC0001"] = replace(monitor.seen["LC0001"], beat_at=now + timedelta(seconds=35))
    assert monitor.flush(now + timedelta(seconds=35)) == 3
    assert monitor.database_down_since == now
    assert ("paper_out", "LC0001") in book.alerts  # paged from memory
    assert monitor.snapshot["LC0001"].state == "degraded"
    assert ("paper_out", "LC0001") not in {(a["rule"], a["terminal"]) for a in alertdb.read(sqlite_db)}
    families = {f.name: f for f in text_string_to_metric_families(render_metrics(monitor, book).decode())}
    assert families["yichuang_monitor_database_ok"].samples[0].value == 0

    monitor.engine = monitor.history.engine = sqlite_db
    monitor.flush(now + timedelta(seconds=40))
    assert monitor.database_down_since is None
    written = {(a["rule"], a["terminal"], a["state"]) for a in alertdb.read(sqlite_db)}
    assert written == {("paper_out", "LC0001", "open"), ("paper_out", "LC0002", "open")}
    assert {r.terminal: r.state for r in read_status(sqlite_db)}["LC0001"] == "degraded"
