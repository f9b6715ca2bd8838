"""An operator sends a command from the dashboard in headless Chromium and watches a real terminal agent run it.

Real broker (TLS, ACLs), central's dispatcher with a command-signing key, a terminal's sync agent
with its command desk, the fleet monitor and the dashboard under uvicorn; nothing is faked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, select

from central.auth.accounts import Accounts
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor
from central.platform.dispatch import Dispatcher
from central.platform.registry import Registry
from central.platform.schema import ops_audit
from central.web import create_app
from demo.devstack import Mosquitto
from sync.agent import SyncAgent
from sync.commands import CommandDesk
from sync.keys import TerminalKeys
from tests.central.dashboard.browser import serving, shoot, sign_in
from tests.central.dashboard.helpers import guard_with_accounts
from tests.kiosk.store.helpers import open_test_store

WAIT_MS = 20_000
SNAPSHOT = {"app_version": "0.1.0", "outbox_backlog": 0}


@dataclass
class Live:
    """The dashboard's address and central's database."""

    base: str
    engine: Engine


def _agent(broker: Mosquitto, engine: Engine, command_key: ed25519.Ed25519PublicKey, tmp: Path) -> SyncAgent:
    """LC0001's sync agent with a command desk, registered at central with its certificate."""
    link = broker.link("LC0001")
    Registry(engine).add("LC0001", Path(link.cert).read_bytes(), hall="lc-center", site="hall")
    signer = serialization.load_pem_private_key(Path(link.key).read_bytes(), None)
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    keys = TerminalKeys(signer, x25519.X25519PrivateKey.generate().public_key(),
                        ed25519.Ed25519PrivateKey.generate().public_key())
    store = open_test_store(tmp / "terminal")
    desk = CommandDesk(store, "LC0001", command_key, signer, lambda: datetime.now(UTC), lambda: dict(SNAPSHOT))
    return SyncAgent(store, "LC0001", keys, link, commands=desk)


@pytest.fixture
def live(broker: Mosquitto, sqlite_db: Engine, tmp_path: Path) -> Iterator[Live]:
    key = ed25519.Ed25519PrivateKey.generate()
    agent = _agent(broker, sqlite_db, key.public_key(), tmp_path)
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=1))
    monitor.start()
    dispatcher = Dispatcher(sqlite_db, broker.service_link("central"), key, lambda: datetime.now(UTC))
    dispatcher.start()
    agent.start()
    stop = threading.Event()
    threads = [threading.Thread(target=agent.run, args=(stop, 0.05)),
               threading.Thread(target=dispatcher.run, args=(stop, 0.2)),
               threading.Thread(target=lambda: [monitor.flush() for _ in iter(lambda: stop.wait(0.5), True)])]
    for thread in threads:
        thread.start()
    try:
        with serving(create_app(monitor, AlertBook(lambda event, alert: None),
                                guard_with_accounts(Accounts(sqlite_db)))) as base:
            yield Live(base, sqlite_db)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        agent.stop()
        agent.store.close()
        dispatcher.stop()
        monitor.stop()


def test_an_operator_sends_diagnostics_confirms_and_watches_it_succeed(live: Live, chromium: Browser) -> None:
    context = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live.base, "ops-li")
    page.goto(f"{live.base}/terminals/LC0001")
    page.select_option("form.command-form select[name=kind]", "diagnostics")
    page.click("form.command-form button[type=submit]")
    expect(page.locator("#command-summary")).to_have_text("向 1 台终端（terminal:LC0001）发送“收集诊断信息”？")
    page.click("#confirm")
    expect(page).to_have_url(f"{live.base}/terminals/LC0001")
    row = page.locator('table.commands tr[data-command="diagnostics"]')
    expect(row).to_have_attribute("data-state", "succeeded", timeout=WAIT_MS)  # the page polls: no reload
    expect(row.locator(".badge")).to_have_text("成功")
    shoot(page, "dashboard-command")
    with live.engine.connect() as conn:
        audited = [(r.user, r.action, r.outcome) for r in conn.execute(select(ops_audit).order_by(ops_audit.c.n))]
    assert ("ops-li", "command:diagnostics", "queued") in audited
    assert ("terminal:LC0001", "command_result", "succeeded") in audited
    context.close()


def test_a_viewer_gets_no_form_and_a_forged_post_is_refused(live: Live, chromium: Browser) -> None:
    context = chromium.new_context(locale="zh-CN")
    page = context.new_page()
    sign_in(page, live.base, "ops-wang")
    page.goto(f"{live.base}/terminals/LC0001")
    expect(page.locator("table.commands")).to_be_visible()
    expect(page.locator("form.command-form")).to_have_count(0)
    status = page.evaluate("""async () => (await fetch('/commands', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'kind=restart_kiosk&target=fleet'})).status""")
    assert status == 403
    context.close()
