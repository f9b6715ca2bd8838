"""The fleet API: filters, detail, alert actions, Prometheus metrics, and the OpenAPI contract (schemathesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from central.devstack import ScratchPki
from central.fleet.alerts import AlertBook
from central.fleet.api import create_app
from central.fleet.monitor import FleetMonitor, Seen
from central.platform.registry import Registry
from sync.link import Link
from sync.telemetry import Component, Heartbeat, Presence


def beat(terminal: str, paper: str = "full") -> Heartbeat:
    printer = Component(device="printer", state="online" if paper != "out" else "user_error", since="x",
                        media={"paper": paper}, error_code="paper_out" if paper == "out" else None)
    return Heartbeat(terminal=terminal, at="x", boot="b", components=[printer], outbox_backlog=3,
                     oldest_unsynced_s=12.0, needs_manual=0, last_ack=None, app_version="0.1.0",
                     catalog_version="2026.11.1", cert_expires=None, disk_free_pct=50.0, memory_used_pct=40.0,
                     uptime_s=100.0, applications_today=1, errors_today=0, help_requests_today=0)


def fleet(tmp_path: Path, engine: Engine) -> tuple[FleetMonitor, AlertBook]:
    """A monitor fed by hand (no broker needed for the API's own logic): three terminals in two halls."""
    pki = ScratchPki(tmp_path / "pki")
    registry = Registry(engine)
    for terminal, hall in (("LC0001", "lc-center"), ("LC0002", "lc-center"), ("ZD0001", "zd-center")):
        registry.add(terminal, pki.issue(terminal)[0].read_bytes(), hall=hall, site="hall")
    book = AlertBook(lambda event, alert: None)
    cert, key, _ = pki.issue("fleet")
    monitor = FleetMonitor(engine, Link("127.0.0.1", 1, str(pki.ca_path), str(cert), str(key)), alerts=book)
    now = datetime.now(UTC)
    online = Presence(online=True, reason="connected", boot="b")
    monitor.seen = {"LC0001": Seen(online, beat("LC0001"), now), "LC0002": Seen(online, beat("LC0002", "out"), now),
                    "ZD0001": Seen(Presence(online=False, reason="lost", boot="b"), beat("ZD0001"), now)}
    monitor.flush(now)
    monitor.flush(now + timedelta(seconds=31))  # LC0002's paper has been out for longer than the hold
    return monitor, book


@pytest.fixture
def client(tmp_path: Path, sqlite_db: Engine) -> TestClient:
    monitor, book = fleet(tmp_path, sqlite_db)
    return TestClient(create_app(monitor, book))


def test_terminals_needing_action_first_and_filters(client: TestClient) -> None:
    rows = client.get("/api/terminals").json()
    assert [(r["terminal"], r["state"]) for r in rows] == [
        ("ZD0001", "offline"), ("LC0002", "degraded"), ("LC0001", "online")]
    assert rows[1]["reasons"] == ["printer: paper_out"]
    assert [r["terminal"] for r in client.get("/api/terminals", params={"hall": "lc-center"}).json()] == [
        "LC0002", "LC0001"]
    assert [r["terminal"] for r in client.get("/api/terminals", params={"state": "offline"}).json()] == ["ZD0001"]
    assert client.get("/api/terminals", params={"state": "sleepy"}).status_code == 422
    detail = client.get("/api/terminals/LC0002").json()
    assert detail["heartbeat"]["outbox_backlog"] == 3
    assert client.get("/api/terminals/XX9999").status_code == 404


def test_alerts_are_acknowledged_and_resolved_through_the_api(client: TestClient) -> None:
    live = client.get("/api/alerts").json()
    assert [(a["rule"], a["terminal"], a["state"]) for a in live] == [("paper_out", "LC0002", "open")]
    acked = client.post("/api/alerts/paper_out/LC0002/acknowledge", json={"by": "ops-li"}).json()
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "ops-li")
    done = client.post("/api/alerts/paper_out/LC0002/resolve", json={"by": "ops-li"}).json()
    assert (done["state"], done["resolved_by"]) == ("resolved", "ops-li")
    assert client.get("/api/alerts").json() == []
    assert [a["rule"] for a in client.get("/api/alerts", params={"state": "resolved"}).json()] == ["paper_out"]
    assert client.post("/api/alerts/paper_out/LC0002/resolve", json={"by": "x"}).status_code == 404


def test_metrics_parse_and_keep_labels_bounded(client: TestClient) -> None:
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    by_state = {(s.labels["state"], s.labels["hall"]): s.value for s in families["yichuang_terminals"].samples}
    assert by_state == {("offline", "zd-center"): 1, ("degraded", "lc-center"): 1, ("online", "lc-center"): 1}
    assert [(s.labels["rule"], s.value) for s in families["yichuang_alerts_open"].samples] == [("paper_out", 1)]
    assert families["yichuang_outbox_backlog"].samples[0].value == 9
    assert all("terminal" not in s.labels for f in families.values() for s in f.samples)


def test_the_api_keeps_its_openapi_contract(tmp_path: Path, sqlite_db: Engine) -> None:
    """Generated requests for every operation: no 5xx, responses match their documented schemas."""
    monitor, book = fleet(tmp_path, sqlite_db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(monitor, book))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()

        check()


def test_maintenance_shows_in_the_overview(tmp_path: Path, sqlite_db: Engine) -> None:
    from click.testing import CliRunner

    from main import cli

    monitor, book = fleet(tmp_path, sqlite_db)
    done = CliRunner().invoke(cli, ["fleet", "maintenance", "LC0002", "--on", "--by", "tech-zhao",
                                    "--db", str(sqlite_db.url)])
    assert done.exit_code == 0, done.output
    rows = {r["terminal"]: r for r in TestClient(create_app(monitor, book)).get("/api/terminals").json()}
    assert (rows["LC0002"]["state"], rows["LC0002"]["reasons"]) == ("maintenance", ["in maintenance"])
    refused = CliRunner().invoke(cli, ["fleet", "maintenance", "XX0001", "--off", "--by", "x",
                                       "--db", str(sqlite_db.url)])
    assert refused.exit_code == 1
    assert "no terminal XX0001" in refused.output
