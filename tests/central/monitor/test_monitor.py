"""The monitor through a real broker: a terminal goes degraded when paper runs out and offline when it dies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import Engine

from central.auth.accounts import Accounts
from central.auth.security import SESSION_COOKIE
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor
from central.monitor.rows import TerminalStatus
from central.monitor.webhook import Webhook
from demo.devstack import Mosquitto
from main import cli
from protocol.link import tls_client
from sync.telemetry import collect
from tests.central.dashboard.helpers import PASSWORD, log_in
from tests.central.monitor.receiver import Receiver
from tests.common import ROOT
from tests.kiosk.store.helpers import open_test_store, paper_out
from tests.sync.stack import Central


def wait_for(monitor: FleetMonitor, terminal: str, check: Callable[[TerminalStatus], bool],
             pump: Callable[[], object] | None = None) -> TerminalStatus:
    deadline = time.monotonic() + 15
    while True:
        rows = {r.terminal: r for r in monitor.overview()}
        if terminal in rows and check(rows[terminal]):
            return rows[terminal]
        assert time.monotonic() < deadline, rows.get(terminal)
        if pump is not None:
            pump()
        time.sleep(0.1)


def test_paper_out_degrades_a_dying_agent_goes_offline_and_fleet_status_shows_it(
        broker: Mosquitto, tmp_path: Path, sqlite_db: Engine, receiver: str) -> None:
    central = Central(tmp_path, sqlite_db)
    store = open_test_store(tmp_path / "terminal")
    agent = central.agent(broker, store)
    agent.heartbeat = lambda: collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.11.1",
                                      cert_file=None).model_dump_json().encode()
    Receiver.failures = 0
    hook = Webhook(receiver, b"pager-secret", first_delay=0.05)
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=30), alerts=AlertBook(hook.notify))
    monitor.start()
    assert monitor.ready.wait(10)
    agent.start()
    online = wait_for(monitor, "LC0001", lambda r: r.state == "online", agent.step)
    assert online.hall == "lc-center"
    paper_out(store)
    degraded = wait_for(monitor, "LC0001", lambda r: r.state == "degraded", agent.step)
    assert degraded.reasons == ("printer: paper_out",)
    now = datetime.now(UTC)
    assert monitor.listening_since is not None
    monitor.listening_since -= timedelta(minutes=2)  # listening for longer than three heartbeats: silence counts
    assert monitor.flush(now) == 1
    monitor.flush(now + timedelta(seconds=35))  # paper out for longer than its 30 s hold: the alert opens
    hook.close()
    paged = [json.loads(body) for _, body in Receiver.calls]
    assert [(p["event"], p["alert"]["rule"], p["alert"]["terminal"]) for p in paged] == [
        ("opened", "paper_out", "LC0001")]
    listed = json.loads(CliRunner().invoke(cli, ["fleet", "alerts", "--json", "--db", str(sqlite_db.url)]).output)
    assert [(a["rule"], a["state"]) for a in listed] == [("paper_out", "open")]
    shown = CliRunner().invoke(cli, ["fleet", "status", "--db", str(sqlite_db.url)])
    assert "degraded 1" in shown.output
    assert "TERMINAL STATE       HALL               WHY" in shown.output
    assert "printer: paper_out" in shown.output
    agent.client.loop_stop()  # the process dies without a goodbye
    agent.client.socket().close()  # type: ignore[union-attr]
    offline = wait_for(monitor, "LC0001", lambda r: r.state == "offline")
    assert offline.reasons == ("connection lost",)  # the broker's will
    monitor.flush()
    listed = json.loads(CliRunner().invoke(cli, ["fleet", "status", "--json", "--db", str(sqlite_db.url)]).output)
    assert [(r["terminal"], r["state"]) for r in listed] == [("LC0001", "offline")]
    monitor.stop()
    store.close()


def test_garbage_on_fleet_topics_is_counted_and_ignored(broker: Mosquitto, sqlite_db: Engine) -> None:
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"))
    monitor.start()
    assert monitor.ready.wait(10)
    liar = tls_client("liar", broker.link("LC0005"))
    liar.connect("127.0.0.1", broker.port)
    liar.loop_start()
    for payload in (b"\xff", b"{}", b'{"v": 1, "online": "maybe"}'):
        liar.publish("yc/v1/t/LC0005/state", payload, qos=1).wait_for_publish(10)
    liar.publish("yc/v1/t/LC0005/telemetry", b'{"terminal": "LC0005", "name": "x"}', qos=1).wait_for_publish(10)
    deadline = time.monotonic() + 10
    while monitor.garbage < 4:
        assert time.monotonic() < deadline, monitor.garbage
        time.sleep(0.05)
    assert monitor.overview()[0].state == "offline"  # heard of, but nothing it said was a valid state
    liar.loop_stop()
    liar.disconnect()
    monitor.stop()


def test_fleet_serve_shows_a_live_terminal_over_http(broker: Mosquitto, tmp_path: Path, sqlite_db: Engine) -> None:
    import os
    import subprocess
    import sys

    import httpx

    from demo.ports import free_port

    central = Central(tmp_path, sqlite_db)
    store = open_test_store(tmp_path / "terminal")
    agent = central.agent(broker, store)
    agent.heartbeat = lambda: collect(store, "LC0001", app_version="0.1.0", catalog_version="2026.11.1",
                                      cert_file=None).model_dump_json().encode()
    fleet = broker.link("fleet")
    port, metrics_port = free_port(), free_port()
    root = ROOT
    server = subprocess.Popen([sys.executable, str(root / "main.py"), "fleet", "serve", "--broker",
                               f"mqtts://127.0.0.1:{fleet.port}", "--ca", fleet.ca, "--cert", fleet.cert, "--key",
                               fleet.key, "--db", str(sqlite_db.url), "--http", f"127.0.0.1:{port}",
                               "--insecure-cookies", "--metrics", f"127.0.0.1:{metrics_port}"],
                              cwd=root, env=dict(os.environ), stderr=subprocess.PIPE, text=True)
    Accounts(sqlite_db).add("ops-li", "viewer", PASSWORD, datetime.now(UTC))
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=2)
    agent.start()
    deadline = time.monotonic() + 30
    rows: list[dict[str, Any]] = []
    while not any(r["terminal"] == "LC0001" and r["state"] == "online" for r in rows):
        assert time.monotonic() < deadline, rows
        agent.step()
        try:
            signed_in = SESSION_COOKIE in http.cookies or log_in(http, "ops-li") == 303
            rows = http.get("/api/terminals").json()["terminals"] if signed_in else []
        except httpx.HTTPError:
            rows = []
        time.sleep(0.2)
    assert http.get("/metrics").status_code == 404  # on a listener of its own, away from the dashboard's proxy
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2).text
    assert 'yichuang_terminals{hall="lc-center",state="online"} 1.0' in metrics
    server.terminate()
    assert server.wait(timeout=20) == 0, server.stderr.read() if server.stderr else ""
    agent.stop()
    store.close()


def test_fleet_status_says_why_it_is_empty_and_heads_its_columns(tmp_path: Path, broker: Mosquitto) -> None:
    db = f"sqlite:///{tmp_path}/central.db"
    assert CliRunner().invoke(cli, ["central", "db", "upgrade", "--db", db]).exit_code == 0
    empty = CliRunner().invoke(cli, ["fleet", "status", "--db", db])
    assert "no terminals registered yet" in empty.output
    link = broker.link("LC0001")
    added = CliRunner().invoke(cli, ["central", "terminals", "add", "LC0001", "--cert", link.cert, "--hall",
                                     "lc-center", "--db", db])
    assert added.exit_code == 0, added.output
    waiting = CliRunner().invoke(cli, ["fleet", "status", "--db", db])
    assert "1 terminal registered, but no status written yet" in waiting.output  # not "no terminals known"
    assert "fleet serve" in waiting.output
