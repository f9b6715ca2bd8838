"""The back office's API: only its own role changes an application's state, by the lifecycle, audited."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from central.platform import commands
from central.platform.schema import application_status, fleet_commands, messages
from tests.central.dashboard.helpers import PASSWORD, csrf_of, dashboard, log_in

NUMBER, APPLICATION = "LC0002-261203-0007K", "0b4a3c1e-1d0e-4f7a-9a55-7d0c1f1d2e3f"


def received(engine: Engine) -> None:
    """Store one application of LC0002 as central's ingest does."""
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(messages).values(id=APPLICATION, terminal="LC0002", seq=7, kind="application", created=now,
                                             received_at=now, item="SB-001", number=NUMBER, envelope=b"sealed"))


def test_only_the_back_office_changes_states_and_the_lifecycle_decides_what_follows(
        tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, _, accounts = dashboard(tmp_path, sqlite_db)
    accounts.add("clerk-zhao", "backoffice", PASSWORD, datetime.now(UTC))
    received(sqlite_db)
    url = f"/api/applications/{NUMBER}/status"
    assert client.post(url, json={"state": "accepted"}).status_code == 401
    for fleet_user in ("ops-li", "ops-admin"):  # the fleet's operators decide nothing about applications
        assert log_in(client, fleet_user) == 303
        refused = client.post(url, json={"state": "accepted"}, headers={"X-CSRF-Token": csrf_of(client)})
        assert (refused.status_code, refused.json()["detail"]) == (403, "refused: role")
    assert log_in(client, "clerk-zhao") == 303
    token = {"X-CSRF-Token": csrf_of(client)}
    assert client.post(url, json={"state": "accepted"}).status_code == 403  # no CSRF token
    done = client.post(url, json={"state": "accepted"}, headers=token)
    assert (done.status_code, done.json()) == (200, {"application": NUMBER, "state": "accepted"})
    illegal = client.post(url, json={"state": "closed"}, headers=token)
    assert illegal.status_code == 409
    assert "cannot become closed (it can become: approved, denied, withdrawn)" in illegal.json()["detail"]
    assert client.post(url, json={"state": "denied"}, headers=token).status_code == 409  # no reason given
    assert client.post(url, json={"state": "denied", "reason": "不符合申领条件", "by": "x"},
                       headers=token).status_code == 422  # a field the API does not take
    assert client.post("/api/applications/LC0002-000000-0000X/status", json={"state": "accepted"},
                       headers=token).status_code == 409
    assert client.post("/api/alerts/paper_out/LC0002/acknowledge", headers=token).status_code == 403  # not the fleet
    assert client.get("/api/terminals").status_code == 403  # the back office reads no fleet
    assert client.get("/api/session").json()["role"] == "backoffice"
    changes = client.get(f"/api/applications/{APPLICATION}/history").json()
    assert [(c["state"], c["by"]) for c in changes] == [("accepted", "clerk-zhao")]
    with sqlite_db.connect() as conn:
        assert conn.execute(select(fleet_commands.c.terminal, fleet_commands.c.status)).all() == [
            ("LC0002", "scheduled")]  # the dispatcher signs and sends it
    left = client.post("/logout", headers=token, follow_redirects=False)
    assert left.status_code == 303  # every role may end its session
    assert client.get("/api/session").status_code == 401
    audited = [(r["user"], r["action"], r["outcome"]) for r in accounts.audit()]
    assert ("clerk-zhao", "status:accept", "ok") in audited
    assert ("clerk-zhao", "status", "refused") in audited
    assert ("ops-li", "status", "refused:role") in audited


def test_the_command_line_changes_a_state_and_names_the_operators_mistakes(sqlite_db: Engine) -> None:
    from click.testing import CliRunner

    from main import cli

    received(sqlite_db)
    db = ["--db", str(sqlite_db.url)]
    done = CliRunner().invoke(cli, ["central", "apps", "set-status", NUMBER, "needs_supplement", "--reason",
                                    "缺少户口簿复印件", "--owed", "hukou_copy", "--by", "clerk-zhao", *db])
    assert done.exit_code == 0, done.output
    assert f"{NUMBER} is now needs_supplement" in done.output
    with sqlite_db.connect() as conn:
        due = conn.execute(select(application_status.c.due)).scalar_one()
    assert date.fromisoformat(due) > datetime.now(UTC).date()  # five working days from today
    illegal = CliRunner().invoke(cli, ["central", "apps", "set-status", NUMBER, "approved", "--by", "clerk-zhao", *db])
    assert illegal.exit_code == 2  # the operator's mistake, said in one line
    assert "cannot become approved" in illegal.output
    shown = CliRunner().invoke(cli, ["central", "apps", "history", NUMBER, *db])
    assert shown.exit_code == 0, shown.output
    assert "needs_supplement  request_supplement" in shown.output
    assert "(缺少户口簿复印件)" in shown.output
    assert "terminal: scheduled" in shown.output  # its delivery: the dispatcher has not sent it yet
    assert commands.rollouts(sqlite_db) == []  # followed on the application, not on the fleet's commands page


def test_ops_cannot_send_a_status_change_by_hand() -> None:
    asked = commands.Request("application_status", "terminal:LC0002", "ops-li",
                             {"application": APPLICATION, "state": "approved", "reason": "", "owed": ""})
    with pytest.raises(commands.CommandRequestError, match="sent by the platform, not by hand"):
        commands.check(asked, datetime.now(UTC))
