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

from central.fleet.api import create_app
from tests.fleet.helpers import fleet


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


def test_the_overview_counts_states_and_halls_and_lists_what_needs_action(client: TestClient) -> None:
    overview = client.get("/api/overview").json()
    assert (overview["total"], overview["by_state"], overview["alerts_live"]) == (
        3, {"online": 1, "degraded": 1, "offline": 1}, 1)
    halls = {h["hall"]: (h["total"], h["available"]) for h in overview["halls"]}
    assert halls == {"lc-center": (2, 1), "zd-center": (1, 0)}
    assert [(r["terminal"], r["reasons"]) for r in overview["needing_action"]] == [
        ("ZD0001", ["connection lost"]), ("LC0002", ["printer: paper_out"])]
    assert client.get("/api/overview", params={"limit": 1}).json()["needing_action"][0]["terminal"] == "ZD0001"


def test_a_terminals_history_comes_by_the_minute_and_by_the_hour(client: TestClient) -> None:
    minutes = client.get("/api/terminals/LC0002/history").json()
    assert {p["state"] for p in minutes} == {"degraded"}
    assert all(p["available_pct"] == 0.0 and p["backlog"] == 3 for p in minutes)
    hours = client.get("/api/terminals/LC0001/history", params={"resolution": "hour", "hours": 24 * 7}).json()
    assert [(p["state"], p["available_pct"]) for p in hours][-1] == ("online", 100.0)
    assert client.get("/api/terminals/XX0001/history").status_code == 404
    assert client.get("/api/terminals/LC0001/history", params={"resolution": "second"}).status_code == 422


def test_alerts_are_acknowledged_and_resolved_through_the_api(client: TestClient) -> None:
    live = client.get("/api/alerts").json()
    assert [(a["rule"], a["terminal"], a["state"]) for a in live] == [("paper_out", "LC0002", "open")]
    acked = client.post("/api/alerts/paper_out/LC0002/acknowledge", json={"by": "ops-li"}).json()
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "ops-li")
    assert datetime.fromisoformat(acked["acknowledged_at"]) <= datetime.now(UTC)
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
    assert families["yichuang_heartbeats"].type == "counter"
    assert families["yichuang_telemetry_refused"].samples[0].value == 0
    assert all("terminal" not in s.labels for f in families.values() for s in f.samples)


def test_the_api_keeps_its_openapi_contract(tmp_path: Path, sqlite_db: Engine) -> None:
    """Generated requests for every operation: no 5xx, responses match their documented schemas."""
    monitor, book = fleet(tmp_path, sqlite_db)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(monitor, book))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
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
    monitor.flush(datetime.now(UTC) + timedelta(seconds=32))  # the API serves the monitor's last flush
    rows = {r["terminal"]: r for r in TestClient(create_app(monitor, book)).get("/api/terminals").json()}
    assert (rows["LC0002"]["state"], rows["LC0002"]["reasons"]) == ("maintenance", ["in maintenance"])
    refused = CliRunner().invoke(cli, ["fleet", "maintenance", "XX0001", "--off", "--by", "x",
                                       "--db", str(sqlite_db.url)])
    assert refused.exit_code == 1
    assert "no terminal XX0001" in refused.output
