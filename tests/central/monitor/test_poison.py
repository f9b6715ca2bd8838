"""One malicious terminal against the real monitor (issue #21, findings 3 and 12): its heartbeats never stop the monitor.

Every poison goes through the real broker with a terminal's own certificate (the ACL lets it
write its telemetry and state topics, so this is what any enrolled terminal can do).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner
from sqlalchemy import Engine, insert

from central.auth.accounts import Accounts
from central.auth.security import SESSION_COOKIE
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor, Seen
from central.platform.schema import fleet_alerts, fleet_status
from demo.devstack import Mosquitto
from demo.ports import free_port
from main import cli
from protocol import topics
from tests.central.dashboard.helpers import PASSWORD, log_in
from tests.central.monitor.helpers import ONLINE, beat, monitor_for
from tests.central.monitor.poison import (
    BAD_PRESENCE,
    ESC,
    GENUINE,
    POISONER,
    POISONERS,
    POISONS,
    connect,
    dumps,
    genuine,
    poison_each,
    publish,
    wait,
)
from tests.common import ROOT


def test_poison_heartbeats_are_refused_and_a_genuine_terminal_is_still_assessed_and_alerted(
        broker: Mosquitto, central_db: Engine) -> None:
    book = AlertBook(lambda event, alert: None)
    monitor = FleetMonitor(central_db, broker.link("fleet"), alerts=book)
    monitor.start()
    assert monitor.ready.wait(10)
    assert monitor.listening_since is not None
    monitor.listening_since -= timedelta(minutes=2)  # hearing for longer than three heartbeats: rules run
    poisoner = connect(broker.link(POISONER), f"{POISONER}-telemetry")
    for name, changes in POISONS.items():  # each poison, then the flush `fleet serve` runs every 5 s
        heard = monitor.garbage + monitor.heartbeats
        publish(poisoner, topics.telemetry(POISONER), dumps(genuine(POISONER) | changes))
        wait(lambda: monitor.garbage + monitor.heartbeats > heard, what=lambda: name)  # noqa: B023
        monitor.flush()
    for state in BAD_PRESENCE:
        publish(poisoner, topics.state(POISONER), json.dumps(state).encode())
    sent = len(POISONS) + len(BAD_PRESENCE)
    terminal = connect(broker.link(GENUINE), f"{GENUINE}-telemetry")
    publish(terminal, topics.telemetry(GENUINE), dumps(genuine()))
    wait(lambda: monitor.beat(GENUINE) is not None and monitor.garbage >= sent,
         what=lambda: (monitor.garbage, monitor.heartbeats))
    monitor.flush()
    assert (monitor.garbage, monitor.heartbeats) == (sent, 1)
    assert monitor.beat(POISONER) is None
    rows = {r.terminal: r for r in monitor.rows()}
    assert rows[GENUINE].state == "online"
    assert rows[POISONER].state == "offline"  # heard of, but nothing it said was a heartbeat or a state
    assert ("cert_expiring", GENUINE) in book.alerts
    for client in (poisoner, terminal):
        client.loop_stop()
        client.disconnect()
    monitor.stop()


def _signed_in(http: httpx.Client) -> bool:
    """Log in once the dashboard answers."""
    try:
        return SESSION_COOKIE in http.cookies or log_in(http, "ops-li") == 303
    except httpx.HTTPError:
        return False


def _serve(broker: Mosquitto, engine: Engine, port: int, metrics_port: int) -> subprocess.Popen[str]:
    """Start `yichuang fleet serve` with the dashboard and /metrics (heartbeats every 5 s)."""
    fleet = broker.link("fleet")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "fleet", "serve", "--broker", f"mqtts://127.0.0.1:{fleet.port}",
         "--ca", fleet.ca, "--cert", fleet.cert, "--key", fleet.key, "--db", str(engine.url), "--interval", "5",
         "--http", f"127.0.0.1:{port}", "--insecure-cookies", "--metrics", f"127.0.0.1:{metrics_port}"],
        cwd=ROOT, env=dict(os.environ), stderr=subprocess.PIPE, text=True)


def test_fleet_serve_survives_every_poison_and_still_assesses_alerts_and_shows_the_genuine_terminal(
        broker: Mosquitto, sqlite_db: Engine) -> None:
    port, metrics_port = free_port(), free_port()
    server = _serve(broker, sqlite_db, port, metrics_port)
    Accounts(sqlite_db).add("ops-li", "viewer", PASSWORD, datetime.now(UTC))
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    wait(lambda: _signed_in(http), timeout=30)
    terminal = connect(broker.link(GENUINE), f"{GENUINE}-telemetry")
    sent = poison_each(broker.link)

    def api(path: str) -> Any:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        return http.get(path).json()

    def alerted() -> bool:
        terminal.publish(topics.telemetry(GENUINE), dumps(genuine()), qos=1).wait_for_publish(10)
        return any((a["rule"], a["terminal"]) == ("cert_expiring", GENUINE) for a in api("/api/alerts"))

    wait(alerted, timeout=60, what=lambda: api("/api/terminals"))  # hearing after 3 × 5 s, then a flush
    states = {r["terminal"]: r["state"] for r in api("/api/terminals")["terminals"]}
    assert states[GENUINE] == "online"
    assert {states[t] for t in (POISONER, *POISONERS)} == {"offline"}  # heard of, but said nothing usable
    for page in (f"/terminals/{GENUINE}", *(f"/terminals/{t}" for t in (POISONER, *POISONERS)), "/", "/alerts"):
        shown = http.get(page)
        assert shown.status_code == 200, page
        assert ESC not in shown.text
    metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert f"yichuang_telemetry_refused_total {float(sent)}" in metrics
    status = CliRunner().invoke(cli, ["fleet", "status", "--db", str(sqlite_db.url)])
    assert GENUINE in status.output
    assert ESC not in status.output
    server.terminate()
    assert server.wait(timeout=20) == 0, server.stderr.read() if server.stderr else ""
    terminal.loop_stop()
    terminal.disconnect()


def test_fleet_status_and_alerts_print_control_characters_escaped(sqlite_db: Engine) -> None:
    from central.platform.schema import metadata

    metadata.create_all(sqlite_db)
    now = datetime.now(UTC).isoformat()
    with sqlite_db.begin() as conn:  # written by a monitor from before issue #21, or straight into the database
        conn.execute(insert(fleet_status), [{
            "terminal": POISONER, "hall": f"hall{ESC}[8m", "site": "", "state": "degraded",
            "reasons": json.dumps([f"printer: {ESC}[2J\x9b31mfine\r\nLC0002 online"]), "last_heartbeat": now,
            "backlog": 0, "oldest_unsynced_s": None, "changed_at": now, "written_at": now}])
        conn.execute(insert(fleet_alerts), [{"rule": "paper_out", "terminal": f"{ESC}[2J\n", "opened_at": now,
                                             "severity": "critical", "state": "open"}])
    shown = CliRunner().invoke(cli, ["fleet", "status", "--db", str(sqlite_db.url)]).output
    assert not any(c in shown for c in (ESC, "\x9b", "\r")), repr(shown)
    assert r"printer: \x1b[2J\x9b31mfine\r\nLC0002 online" in shown
    assert shown.count("\n") == 3  # the counts line, the column heads and one terminal: no forged line
    alerts = CliRunner().invoke(cli, ["fleet", "alerts", "--db", str(sqlite_db.url)]).output
    assert ESC not in alerts
    assert r"\x1b[2J\n" in alerts
    assert alerts.count("\n") == 1


def test_a_heartbeat_the_monitor_cannot_use_is_dropped_and_counted_and_the_rest_go_on(
        tmp_path: Path, central_db: Engine) -> None:
    book = AlertBook(lambda event, alert: None)
    monitor = monitor_for(tmp_path, central_db, book)
    now = datetime.now(UTC)
    unusable = {  # as if a field escaped the schema: copied without validation
        "LC0002": beat("LC0002").model_copy(update={"cert_expires": "not-a-date"}),
        "ZD0001": beat("ZD0001").model_copy(update={"outbox_backlog": 2**64}),
    }
    expiring = beat("LC0001").model_copy(update={"cert_expires": (now + timedelta(days=3)).isoformat()})
    monitor.seen = {"LC0001": Seen(ONLINE, expiring, now)} | {t: Seen(ONLINE, b, now) for t, b in unusable.items()}
    assert monitor.flush(now) == 3
    rows = {r.terminal: r for r in monitor.rows()}
    assert rows["LC0001"].state == "online"
    assert ("cert_expiring", "LC0001") in book.alerts
    assert [monitor.beat(t) for t in unusable] == [None, None]
    assert monitor.garbage == 2
    monitor.flush(now + timedelta(seconds=5))
    assert {r.terminal for r in monitor.rows()} == {"LC0001", "LC0002", "ZD0001"}
