"""The dashboard's listener as `fleet serve` runs it: no forwarded address unless a proxy is named, nothing without a login."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine

from central.auth.accounts import Accounts
from demo.devstack import Mosquitto
from demo.ports import free_port
from tests.central.dashboard.helpers import PASSWORD, log_in
from tests.common import ROOT


@contextmanager
def _dashboard(broker: Mosquitto, engine: Engine, *options: str) -> Iterator[httpx.Client]:
    """Run `yichuang fleet serve --http` (no --metrics) with ``options``; yield a client of its dashboard."""
    fleet, port = broker.link("fleet"), free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "fleet", "serve", "--broker",
                               f"mqtts://127.0.0.1:{fleet.port}", "--ca", fleet.ca, "--cert", fleet.cert, "--key",
                               fleet.key, "--db", str(engine.url), "--http", f"127.0.0.1:{port}",
                               "--insecure-cookies", *options], cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the dashboard never answered"
                    time.sleep(0.2)
            yield client
    finally:
        server.terminate()
        server.wait(timeout=20)


def _guess(client: httpx.Client, forwarded: str) -> int:
    """Post a wrong password for ops-li claiming to come from ``forwarded``; return the status."""
    client.headers["X-Forwarded-For"] = forwarded
    return log_in(client, "ops-li", "guess")


def test_a_local_process_cannot_forge_its_address_past_the_rate_limit(broker: Mosquitto, sqlite_db: Engine) -> None:
    accounts = Accounts(sqlite_db)
    accounts.add("ops-li", "viewer", PASSWORD, datetime.now(UTC))
    with _dashboard(broker, sqlite_db) as client:
        assert [_guess(client, f"10.9.0.{n}") for n in range(6)] == [401] * 5 + [429]
    assert {r["address"] for r in accounts.audit()} == {"127.0.0.1"}  # the forged addresses never reach the log
    with _dashboard(broker, sqlite_db, "--trusted-proxies", "127.0.0.1") as client:
        assert _guess(client, "10.9.1.1") == 401  # a named proxy's X-Forwarded-For names the client
    assert accounts.audit(1)[0]["address"] == "10.9.1.1"


def test_the_dashboard_listener_describes_its_api_only_to_a_session_and_never_serves_metrics(
        broker: Mosquitto, sqlite_db: Engine) -> None:
    Accounts(sqlite_db).add("ops-li", "viewer", PASSWORD, datetime.now(UTC))
    with _dashboard(broker, sqlite_db) as client:
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/metrics").status_code == 404  # only on a listener of its own (--metrics)
        for page in ("/docs", "/redoc"):
            assert client.get(page, follow_redirects=False).status_code in (303, 404)
        assert log_in(client, "ops-li") == 303
        assert "/api/terminals" in client.get("/openapi.json").json()["paths"]
