"""Logins, sessions, roles, CSRF, rate limiting and the audit log, over HTTP (the browser tests repeat the key ones)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text

from central.auth.accounts import SESSION_TTL, AccountError, Accounts
from central.auth.security import LOGIN_COOKIE, SESSION_COOKIE
from central.auth.throttle import LoginThrottle
from central.platform.schema import ops_sessions, ops_users
from domain.passwords import hash_secret, verify_secret
from main import cli
from tests.central.dashboard.helpers import PASSWORD, csrf_of, dashboard, log_in


def test_passwords_are_scrypt_hashes_that_verify_only_the_right_secret() -> None:
    stored = hash_secret("correct horse battery")
    assert stored.startswith("scrypt$32768$8$1$")
    assert "correct" not in stored
    assert verify_secret("correct horse battery", stored)
    assert not verify_secret("correct horse batterz", stored)
    assert hash_secret("correct horse battery") != stored  # salted
    salt, key = stored.split("$")[4:]
    for broken in ("", "md5$x", "scrypt$1$2$3$not base64!$x", stored.rsplit("$", 1)[0],
                   f"scrypt$-1$8$1${salt}${key}", f"scrypt${2**80}$8$1${salt}${key}"):
        assert not verify_secret("correct horse battery", broken)


def test_login_sets_a_hardened_session_cookie_and_only_its_digest_is_stored(tmp_path: Path, sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    token = client.get("/login")
    assert "httponly" in token.headers["set-cookie"].lower()
    answer = client.post("/login", data={"name": "ops-li", "password": PASSWORD,
                                         "csrf": client.cookies[LOGIN_COOKIE], "next": "/alerts"},
                         follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/alerts")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= {p.strip().lower() for p in cookie.split(";")}
    with sqlite_db.connect() as conn:
        digests = conn.execute(select(ops_sessions.c.digest)).scalars().all()
        hashes = conn.execute(select(ops_users.c.password_hash)).scalars().all()
    assert client.cookies[SESSION_COOKIE] not in digests
    assert len(digests) == 1
    assert all(h.startswith("scrypt$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
    assert client.get("/").status_code == 200


def test_wrong_password_forged_login_and_foreign_redirects_are_refused(tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, _, accounts = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li", "not the password") == 401
    assert log_in(client, "nobody", PASSWORD) == 401  # same answer: no telling which names exist
    forged = client.post("/login", data={"name": "ops-li", "password": PASSWORD, "csrf": "made-up"})
    assert forged.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    client.get("/login")
    token = client.cookies[LOGIN_COOKIE]
    away = client.post("/login", data={"name": "ops-li", "password": PASSWORD, "csrf": token,
                                       "next": "//evil.example/x"}, follow_redirects=False)
    assert away.headers["location"] == "/"
    client.get("/login")
    long = client.post("/login", data={"name": "ops-li", "password": "x" * 10_000,
                                       "csrf": client.cookies[LOGIN_COOKIE]})
    assert long.status_code == 401  # refused as a wrong password, never hashed, never echoed
    assert "x" * 300 not in long.text
    outcomes = [(r["user"], r["outcome"]) for r in reversed(accounts.audit())]
    assert outcomes == [("ops-li", "failed"), ("nobody", "failed"), ("ops-li", "ok"), ("ops-li", "failed")]


def test_repeated_failures_lock_the_guesser_not_the_colleague(tmp_path: Path, central_db: Engine) -> None:
    client, _, _, accounts = dashboard(tmp_path, central_db)  # on SQLite and PostgreSQL: every outcome fits
    for _ in range(5):
        assert log_in(client, "ops-li", "guess") == 401
    locked = client.post("/login", data={"name": "ops-li", "password": PASSWORD, "csrf": client.cookies[LOGIN_COOKIE]})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 900
    assert "失败次数过多" in locked.text
    assert [r["outcome"] for r in accounts.audit(6)] == ["failed"] * 5  # the refusal is logged, not audited
    assert log_in(client, "ops-wang") == 303  # another name from the same address still gets in
    elsewhere = TestClient(client.app, base_url="https://testserver", client=("10.0.0.7", 50000))
    assert log_in(elsewhere, "ops-li") == 303  # and the guessed name from another address
    throttle, now = LoginThrottle(), datetime.now(UTC)
    for n in range(20):
        assert throttle.begin(f"name{n}", "10.0.0.9", now) == 0
    assert throttle.begin("fresh", "10.0.0.9", now) > 0  # a sprayer trying many names
    assert throttle.begin("fresh", "10.0.0.10", now) == 0
    assert throttle.begin("fresh", "10.0.0.9", now + timedelta(minutes=15)) == 0
    for n in range(5):
        assert throttle.begin("ops-zhao", f"2001:db8::{n}", now) == 0  # one /64, five addresses
    assert throttle.begin("ops-zhao", "2001:db8::99", now) > 0
    assert throttle.begin("ops-zhao", "2001:db9::1", now) == 0
    racing = LoginThrottle()
    started = [racing.begin("ops-qian", "10.0.0.5", now) for _ in range(8)]  # eight at once, none finished yet
    assert started == [0] * 5 + [started[5]] * 3
    assert started[5] > 0
    racing.succeeded("ops-qian", "10.0.0.5", now)
    assert racing.begin("ops-qian", "10.0.0.5", now) == 0  # a success clears the pair


def test_a_viewer_looks_but_cannot_act_and_actions_need_the_csrf_token(tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, book, accounts = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-wang") == 303
    page = client.get("/alerts").text
    assert "paper_out/LC0002" in page
    assert "/acknowledge" not in page  # no buttons for a viewer
    refused = client.post("/alerts/paper_out/LC0002/acknowledge", data={"csrf": csrf_of(client)})
    assert refused.status_code == 403
    assert client.get("/audit").status_code == 403
    assert log_in(client, "ops-li") == 303
    assert client.post("/alerts/paper_out/LC0002/acknowledge", data={}).status_code == 403
    assert client.post("/alerts/paper_out/LC0002/acknowledge", data={"csrf": "guess"}).status_code == 403
    assert book.alerts["paper_out", "LC0002"].acknowledged_by is None
    done = client.post("/alerts/paper_out/LC0002/acknowledge", data={"csrf": csrf_of(client)},
                       follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/alerts")
    assert book.alerts["paper_out", "LC0002"].acknowledged_by == "ops-li"
    htmx = client.post("/alerts/paper_out/LC0002/resolve", headers={"HX-Request": "true", "X-CSRF-Token":
                                                                     csrf_of(client)})
    assert (htmx.status_code, 'id="live"' in htmx.text) == (200, True)  # htmx gets the table back, not a redirect
    assert ("paper_out", "LC0002") not in book.alerts
    assert client.post("/alerts/paper_out/LC0002/resolve", data={"csrf": csrf_of(client)}).status_code == 404
    lines = [(r["user"], r["action"], r["outcome"]) for r in reversed(accounts.audit())]
    assert lines[1:] == [("ops-wang", "acknowledge", "refused:role"), ("ops-wang", "read_audit", "refused:role"),
                         ("ops-li", "login", "ok"),
                         ("ops-li", "acknowledge", "refused:csrf"), ("ops-li", "acknowledge", "refused:csrf"),
                         ("ops-li", "acknowledge", "ok"), ("ops-li", "resolve", "ok"), ("ops-li", "resolve", "gone")]
    assert log_in(client, "ops-admin") == 303
    audit = client.get("/audit")
    assert audit.status_code == 200
    assert audit.text.count("<tr data-action") == len(lines) + 1  # and the admin's login


def test_sessions_end_on_logout_expiry_disable_and_role_change(tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, _, accounts = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    token = client.cookies[SESSION_COOKIE]
    now = datetime.now(UTC)
    assert accounts.session(token, now) is not None
    assert accounts.session(token, now + SESSION_TTL + timedelta(seconds=1)) is None
    assert client.post("/logout", data={"csrf": csrf_of(client)}, follow_redirects=False).status_code == 303
    assert accounts.session(token, now) is None
    client.cookies.set(SESSION_COOKIE, token, domain="testserver")
    assert client.get("/api/overview").status_code == 401  # the old cookie is worth nothing
    assert log_in(client, "ops-li") == 303
    accounts.disable("ops-li", datetime.now(UTC))
    assert client.get("/api/overview").status_code == 401
    assert log_in(client, "ops-li") == 401
    accounts.disable("ops-li", None)
    assert log_in(client, "ops-li") == 303
    accounts.set_role("ops-li", "viewer")
    assert client.get("/api/overview").status_code == 401
    with pytest.raises(AccountError, match="12 characters"):
        accounts.add("ops-zhao", "viewer", "short", now)
    with pytest.raises(AccountError, match="exists"):
        accounts.add("ops-li", "viewer", PASSWORD, now)
    with pytest.raises(AccountError, match="role"):
        accounts.add("ops-zhao", "root", PASSWORD, now)
    with pytest.raises(AccountError, match="no user"):
        accounts.set_role("ops-nobody", "viewer")


def test_pages_ask_for_a_login_and_polls_after_expiry_send_the_browser_there(tmp_path: Path,
                                                                             sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    for path in ("/", "/alerts", "/halls", "/terminals/LC0001", "/audit"):
        assert client.get(path, follow_redirects=False).headers["location"] == f"/login?next={quote(path, safe='')}"
    poll = client.get("/fragments/overview", params={"hall": "lc-center"}, headers={"HX-Request": "true"})
    assert (poll.status_code, poll.headers["hx-redirect"]) == (204, "/login?next=%2Foverview%3Fhall%3Dlc-center")
    assert client.get("/fragments/alerts", follow_redirects=False).headers["location"] == "/login?next=%2Falerts"
    click = client.post("/alerts/paper_out/LC0002/acknowledge", headers={
        "HX-Request": "true", "HX-Current-URL": "https://testserver/alerts?show=live"})
    assert click.headers["hx-redirect"] == "/login?next=%2Falerts%3Fshow%3Dlive"
    probe = client.post("/terminals/XX0001/help-handled", follow_redirects=False)
    assert probe.status_code == 303  # the same answer for any terminal id: nothing to learn before logging in
    assert client.get("/api/alerts").status_code == 401


def test_accounts_from_the_command_line(tmp_path: Path, sqlite_db: Engine) -> None:
    url, runner = str(sqlite_db.url), CliRunner()
    added = runner.invoke(cli, ["fleet", "user", "add", "ops-zhou", "--role", "operator", "--password-stdin",
                                "--db", url], input=f"{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(cli, ["fleet", "user", "add", "ops-wu", "--role", "viewer", "--password-stdin", "--db", url],
                          input="short\n")
    assert short.exit_code == 1
    assert "12 characters" in short.output
    assert Accounts(sqlite_db).login("ops-zhou", PASSWORD, datetime.now(UTC)) is not None
    assert runner.invoke(cli, ["fleet", "user", "disable", "ops-zhou", "--db", url]).exit_code == 0
    listed = runner.invoke(cli, ["fleet", "user", "list", "--db", url]).output
    assert "ops-zhou" in listed
    assert "disabled" in listed
    assert "scrypt" not in listed
    audit = runner.invoke(cli, ["fleet", "audit", "--json", "--db", url])
    lines = [(r["action"], r["target"], r["outcome"], r["address"]) for r in json.loads(audit.output)]
    assert lines == [("user_disable", "ops-zhou", "ok", "cli"), ("user_add", "ops-wu", "refused", "cli"),
                     ("user_add", "ops-zhou", "ok", "cli")]


def test_a_database_outage_is_said_in_words_and_polls_keep_going(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, _, _ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    with sqlite_db.begin() as conn:
        conn.execute(text("DROP TABLE ops_sessions"))  # what the dashboard sees when its database stops answering
    page = client.get("/")
    assert page.status_code == 503
    assert "数据库无响应" in page.text
    assert client.get("/api/overview").status_code == 503
    poll = client.get("/fragments/overview", params={"hall": "lc-center"}, headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert 'id="db-down"' in poll.text
    assert 'hx-get="/fragments/overview?hall=lc-center"' in poll.text
    assert monitor.flush() == 3  # the monitor itself goes on


def test_the_audit_log_pages_back_and_keeps_a_bit_more_than_a_year(tmp_path: Path, sqlite_db: Engine) -> None:
    client, _, _, accounts = dashboard(tmp_path, sqlite_db)
    now = datetime.now(UTC)
    accounts.record("ops-old", "acknowledge", "paper_out/LC0001", outcome="ok", address="10.0.0.1",
                    now=now - timedelta(days=401))
    for n in range(205):
        accounts.record("ops-li", "acknowledge", f"paper_out/LC{n:04d}", outcome="ok", address="10.0.0.2", now=now)
    assert log_in(client, "ops-admin") == 303  # logins prune what is past retention
    assert "ops-old" not in {r["user"] for r in accounts.audit(1000)}
    first = client.get("/audit").text
    assert first.count("<tr data-action") == 200
    older = re.search(r'href="(/audit\?before=\d+)" id="older"', first)
    assert older is not None
    rest = client.get(older.group(1)).text
    assert rest.count("<tr data-action") == 6  # the oldest six acknowledgements (the login is on the first page)
    assert 'id="older"' not in rest
