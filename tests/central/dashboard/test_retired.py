"""The dashboard shows a decommissioned terminal as retired (#26), in Chinese and English."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine

from central.platform.retire import retire
from tests.central.dashboard.helpers import dashboard, log_in

ROW = re.compile(r'<tr data-terminal="(\w+)" data-state="(\w+)">')


def test_a_retired_terminal_is_shown_retired(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    assert ("LC0002", "degraded") in ROW.findall(client.get("/").text)
    assert retire(sqlite_db, "LC0002", "decommissioned")
    monitor.flush()
    page = client.get("/").text
    assert ("LC0002", "retired") in ROW.findall(page)
    assert "已退役" in page
    assert "decommissioned" in client.get("/", headers={"Accept-Language": "en"}).text
