"""The services' logs as ops read them in the journal: one JSON object per line with the event and the terminal,
INFO lines for connect, drain and stop, and no personal data on a busy drain, even at DEBUG (#23 logs)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine

from cmdline.logs import PersonalNumbers, mask
from demo.devstack import Mosquitto
from tests.common import ROOT
from tests.kiosk.store.helpers import ID_NUMBER, NAME, PHONE, open_test_store, submit
from tests.sync.stack import Central, terminal_config


def test_id_and_mobile_numbers_are_masked_in_messages_and_tracebacks() -> None:
    assert mask(f"证件 {ID_NUMBER}，电话 {PHONE}。") == "证件 370303************，电话 139********。"
    assert mask("receipt LC0001-261202-0001P, 20 entries, seq 123456789012") == (
        "receipt LC0001-261202-0001P, 20 entries, seq 123456789012")  # not a personal number
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad value %s", (PHONE,), None)
    try:
        raise ValueError(f"cannot parse {ID_NUMBER}")
    except ValueError:
        record.exc_info = sys.exc_info()
    PersonalNumbers().filter(record)
    assert PHONE not in logging.Formatter().format(record)
    assert ID_NUMBER not in logging.Formatter().format(record)
    assert "cannot parse 370303" in logging.Formatter().format(record)


def test_a_busy_drain_logs_json_events_and_nothing_personal(broker: Mosquitto, tmp_path: Path,
                                                            sqlite_db: Engine) -> None:
    terminal = tmp_path / "terminal"
    store = open_test_store(terminal)
    for i in range(40):  # applications full of a citizen's name, ID number and phone
        submit(store, i)
    store.close()
    central = Central(tmp_path, sqlite_db)
    config = terminal_config(terminal, broker, central)
    config.write_text(config.read_text() + '[log]\nlevel = "DEBUG"\n')
    central.start_worker(broker)
    try:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), "sync", "run", "--until-drained", "--timeout",
                               "60"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                              env={**os.environ, "YICHUANG_CONFIG": str(config), "JOURNAL_STREAM": "8:1234"})
    finally:
        central.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    events = [(r.get("event"), r.get("terminal")) for r in records if r.get("event")]
    assert ("connected", "LC0001") in events
    assert ("drained", "LC0001") in events
    assert ("stopped", "LC0001") in events
    assert any(r.get("event") == "acked" and r.get("level") == "DEBUG" for r in records)
    assert {"asctime", "level", "logger", "message"} <= set(records[0])
    for secret in (NAME, ID_NUMBER, PHONE):
        assert secret not in done.stderr, secret
