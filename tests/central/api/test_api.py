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

from central.auth.security import SESSION_COOKIE
from tests.central.dashboard.helpers import csrf_of, dashboard, log_in


@pytest.fixture
def client(tmp_path: Path, sqlite_db: Engine) -> TestClient:
    """An operator's session on the three-terminal fleet."""
    client = dashboard(tmp_path, sqlite_db)[0]
    assert log_in(client, "ops-li") == 303
    return client


def test_the_api_wants_a_session_and_actions_want_the_operator_role_and_the_csrf_token(
        tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, book, accounts = dashboard(tmp_path, sqlite_db)
    assert client.get("/api/overview").status_code == 401
    assert client.post("/api/alerts/paper_out/LC0002/acknowledge").status_code == 401
    assert client.get("/metrics").status_code == 200  # Prometheus scrapes without a session: no personal data there
    assert log_in(client, "ops-wang") == 303  # a viewer
    assert client.get("/api/overview").status_code == 200
    refused = client.post("/api/alerts/paper_out/LC0002/acknowledge", headers={"X-CSRF-Token": csrf_of(client)})
    assert (refused.status_code, refused.json()["detail"]) == (403, "refused: role")
    assert log_in(client, "ops-li") == 303
    assert client.post("/api/alerts/paper_out/LC0002/acknowledge").status_code == 403  # no token
    assert client.post("/api/alerts/paper_out/LC0002/acknowledge", headers={"X-CSRF-Token": "x" * 43}).status_code == 403
    assert next(iter(book.alerts.values())).state.value == "open"
    audited = [(r["user"], r["action"], r["target"], r["outcome"]) for r in accounts.audit()]
    assert audited[:3] == [("ops-li", "acknowledge", "paper_out/LC0002", "refused:csrf")] * 2 + [
        ("ops-li", "login", "ops-li", "ok")]
    assert ("ops-wang", "acknowledge", "paper_out/LC0002", "refused:role") in audited


def listed(client: TestClient, **params: str | int) -> list[str]:
    """Return the terminals of one page of /api/terminals."""
    return [r["terminal"] for r in client.get("/api/terminals", params=params).json()["terminals"]]


def test_terminals_needing_action_first_and_filters(client: TestClient) -> None:
    rows = client.get("/api/terminals").json()["terminals"]
    assert [(r["terminal"], r["state"]) for r in rows] == [
        ("ZD0001", "offline"), ("LC0002", "degraded"), ("LC0001", "online")]
    assert rows[1]["reasons"] == ["printer: paper_out"]
    assert listed(client, hall="lc-center") == ["LC0002", "LC0001"]
    assert listed(client, state="offline") == ["ZD0001"]
    assert client.get("/api/terminals", params={"state": "sleepy"}).status_code == 422
    detail = client.get("/api/terminals/LC0002").json()
    assert detail["heartbeat"]["outbox_backlog"] == 3
    assert client.get("/api/terminals/XX9999").status_code == 404


def test_terminals_come_a_page_at_a_time_and_every_page_parameter_is_bounded(client: TestClient) -> None:
    walked, after = [], None
    while True:
        page = client.get("/api/terminals", params={"limit": 1, **({"after": after} if after else {})}).json()
        walked += [r["terminal"] for r in page["terminals"]]
        if (after := page["next"]) is None:
            break
    assert walked == ["ZD0001", "LC0002", "LC0001"]
    assert listed(client, hall="lc-center", limit=1, after="0.ZD0001") == ["LC0002"]
    assert listed(client, after="11.ZZZZ") == []  # a cursor past the end: an empty last page
    for hostile in ({"limit": 0}, {"limit": 2001}, {"limit": "ten"}, {"after": "ZD0001"}, {"after": "1;DROP"},
                    {"after": "999.ZD0001"}, {"after": "0.zd0001"}, {"after": "0." + "Z" * 13}, {"hall": "x" * 65},
                    {"site": "x" * 17}):
        refused = client.get("/api/terminals", params=hostile)
        assert refused.status_code == 422, hostile
        assert refused.json()["detail"][0]["loc"][-1] == next(iter(hostile)), hostile


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
    token = {"X-CSRF-Token": csrf_of(client)}
    acked = client.post("/api/alerts/paper_out/LC0002/acknowledge", headers=token).json()
    assert (acked["state"], acked["acknowledged_by"]) == ("acknowledged", "ops-li")
    assert datetime.fromisoformat(acked["acknowledged_at"]) <= datetime.now(UTC)
    done = client.post("/api/alerts/paper_out/LC0002/resolve", headers=token).json()
    assert (done["state"], done["resolved_by"]) == ("resolved", "ops-li")
    assert client.get("/api/alerts").json() == []
    assert [a["rule"] for a in client.get("/api/alerts", params={"state": "resolved"}).json()] == ["paper_out"]
    assert client.post("/api/alerts/paper_out/LC0002/resolve", headers=token).status_code == 404


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
    """Generated requests for every operation, as a logged-in operator: no 5xx, responses match their schemas."""
    client = dashboard(tmp_path, sqlite_db)[0]
    assert log_in(client, "ops-li") == 303
    session = {"Cookie": f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}", "X-CSRF-Token": csrf_of(client)}
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, headers=session)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # the back office's two among them
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=session)

        check()


def test_maintenance_shows_in_the_overview(tmp_path: Path, sqlite_db: Engine) -> None:
    from click.testing import CliRunner

    from main import cli

    client, monitor, _, _ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-wang") == 303
    done = CliRunner().invoke(cli, ["fleet", "maintenance", "LC0002", "--on", "--by", "tech-zhao",
                                    "--db", str(sqlite_db.url)])
    assert done.exit_code == 0, done.output
    monitor.flush(datetime.now(UTC) + timedelta(seconds=32))  # the API serves the monitor's last flush
    rows = {r["terminal"]: r for r in client.get("/api/terminals").json()["terminals"]}
    assert (rows["LC0002"]["state"], rows["LC0002"]["reasons"]) == ("maintenance", ["in maintenance"])
    refused = CliRunner().invoke(cli, ["fleet", "maintenance", "XX0001", "--off", "--by", "x",
                                       "--db", str(sqlite_db.url)])
    assert refused.exit_code == 2  # the operator's mistake
    assert "no terminal XX0001" in refused.output
