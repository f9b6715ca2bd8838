"""Test accounts, and logging in over HTTP as the login form does (TestClient, or httpx against a server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.auth.accounts import Accounts
from central.auth.security import Guard
from central.auth.throttle import LoginThrottle
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor
from central.web import create_app
from tests.central.monitor.helpers import fleet

LOGIN_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"  # noqa: S105 - the test accounts' password
ACCOUNTS = {"ops-li": "operator", "ops-wang": "viewer", "ops-admin": "admin"}


def guard_with_accounts(accounts: Accounts) -> Guard:
    """Return a guard over ``accounts`` holding an operator, a viewer and an admin (Secure cookies, as deployed)."""
    for name, role in ACCOUNTS.items():
        accounts.add(name, role, PASSWORD, datetime.now(UTC))
    return Guard(accounts, LoginThrottle())


def log_in(client: httpx.Client, name: str, password: str = PASSWORD, next_: str = "/") -> int:
    """Post the login form with its token; return the status (303 when it worked)."""
    token = LOGIN_TOKEN.search(client.get("/login").text)
    assert token is not None
    return client.post("/login", data={"name": name, "password": password, "csrf": token.group(1), "next": next_},
                       follow_redirects=False).status_code


def csrf_of(client: httpx.Client) -> str:
    """Return the logged-in session's CSRF token."""
    token: str = client.get("/api/session").json()["csrf"]
    return token


def client_over(monitor: FleetMonitor, book: AlertBook) -> tuple[TestClient, Accounts]:
    """The dashboard over ``monitor``, with an operator, a viewer and an admin; HTTPS, so Secure cookies flow."""
    accounts = Accounts(monitor.engine)
    client = TestClient(create_app(monitor, book, guard_with_accounts(accounts)), base_url="https://testserver")
    return client, accounts


def dashboard(tmp_path: Path, engine: Engine) -> tuple[TestClient, FleetMonitor, AlertBook, Accounts]:
    """The three-terminal fleet of tests.central.monitor.helpers behind the dashboard."""
    monitor, book = fleet(tmp_path, engine)
    client, accounts = client_over(monitor, book)
    return client, monitor, book, accounts
