"""The dashboard in headless Chromium over a live fleet: real broker, simulated terminals, the monitor, uvicorn.

The alert rules are the production rules with holds shortened to a second and the heartbeat to
0.3 s, as in tests/fleet/test_live_alerts.py; the pages poll as deployed. With YC_SCREENSHOTS set
(`make screenshots`), each page is saved to docs/screens/.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import Engine

from central.auth.accounts import Accounts
from central.monitor.alerts import RULES, AlertBook
from central.monitor.history import History
from central.monitor.monitor import FleetMonitor
from central.platform.registry import Registry
from central.web import create_app
from demo.devstack import Mosquitto
from demo.rates import Rates
from demo.simulator import FleetSimulator
from tests.central.dashboard.browser import serving, shoot, sign_in
from tests.central.dashboard.helpers import guard_with_accounts

BEAT = 0.3
FAST = tuple(replace(r, hold=timedelta(seconds=1), clear=timedelta(seconds=1)) for r in RULES)
QUIET = Rates(applications=0, help_requests=0, paper_steps=0, reader_flips=0, drops=0, returns=0)
HALLS = {"SM0001": "lc-center", "SM0002": "lc-center", "SM0003": "lc-center", "SM0004": "zd-center",
         "SM0005": "zd-center", "SM0006": "lc-ccb-outlet", "SM0007": "lc-ccb-outlet", "SM0008": "lc-center"}
WAIT_MS = 15_000  # a heartbeat, a flush, a 1 s hold and a 3 s poll, with room for a loaded CI machine


@dataclass
class Live:
    """A running fleet behind the dashboard."""

    base: str
    monitor: FleetMonitor
    simulator: FleetSimulator
    loop: asyncio.AbstractEventLoop


@pytest.fixture
def live(broker: Mosquitto, sqlite_db: Engine) -> Iterator[Live]:
    registry = Registry(sqlite_db)
    for terminal, hall in HALLS.items():
        site = "bank" if "ccb" in hall else "hall"
        registry.add(terminal, Path(broker.link(terminal).cert).read_bytes(), hall=hall, site=site)
    book = AlertBook(lambda event, alert: None, rules=FAST)
    monitor = FleetMonitor(sqlite_db, broker.link("fleet"), timedelta(seconds=BEAT), alerts=book,
                           history=History(sqlite_db))
    monitor.start()
    assert monitor.ready.wait(10)
    stop = threading.Event()
    flusher = threading.Thread(target=lambda: [monitor.flush() for _ in iter(lambda: stop.wait(0.2), True)])
    flusher.start()
    simulator = FleetSimulator(list(HALLS), broker.link, heartbeat_every=BEAT, rates=QUIET)
    loop = asyncio.new_event_loop()
    running = loop.create_task(simulator.run(600, chaos=False))
    fleet = threading.Thread(target=lambda: loop.run_until_complete(asyncio.gather(running, return_exceptions=True)))
    fleet.start()
    try:
        with serving(create_app(monitor, book, guard_with_accounts(Accounts(sqlite_db)))) as base:
            yield Live(base, monitor, simulator, loop)
    finally:
        loop.call_soon_threadsafe(running.cancel)
        fleet.join(10)
        simulator.close()
        loop.close()
        stop.set()
        flusher.join()
        monitor.stop()


def _page(chromium: Browser) -> tuple[BrowserContext, Page]:
    """Open a fresh browser profile (its own cookies) with an ops screen's size."""
    context = chromium.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
    return context, context.new_page()


def test_an_operator_sees_paper_run_out_live_acknowledges_filters_and_reads_the_chart(
        live: Live, chromium: Browser) -> None:
    context, page = _page(chromium)
    page.goto(f"{live.base}/")
    expect(page).to_have_url(f"{live.base}/login?next=%2F")
    shoot(page, "login")
    sign_in(page, live.base, "ops-li")
    expect(page.locator(".tile.state-online .n")).to_have_text("8", timeout=WAIT_MS)
    page.evaluate("window.stillTheSamePage = true")

    live.simulator.terminals["SM0001"].paper = "out"
    live.loop.call_soon_threadsafe(live.simulator.drop, "SM0005")  # a lost link: the broker's will says so
    row = page.locator('tr[data-terminal="SM0001"]')
    expect(row).to_have_attribute("data-state", "degraded", timeout=WAIT_MS)
    expect(row.locator(".why")).to_have_text("打印机：缺纸")
    expect(row.locator(".alerts .chip")).to_have_text("缺纸", timeout=WAIT_MS)
    expect(page.locator('tr[data-terminal="SM0005"]')).to_have_attribute("data-state", "offline", timeout=WAIT_MS)
    expect(page.locator("tbody tr").first).to_have_attribute("data-terminal", "SM0005")  # worst first
    assert page.evaluate("window.stillTheSamePage") is True  # all of it arrived without a reload
    shoot(page, "overview")

    page.select_option("select[name=hall]", "zd-center")
    expect(page.locator("tbody tr[data-terminal]")).to_have_count(2)
    assert sorted(page.locator("tbody tr[data-terminal]").evaluate_all(
        "rows => rows.map(r => r.dataset.terminal)")) == ["SM0004", "SM0005"]
    page.fill("input[name=q]", "sm0004")
    expect(page.locator("tbody tr[data-terminal]")).to_have_count(1)

    page.click("header nav a[href='/alerts']")
    alert = page.locator('tr[data-alert="paper_out/SM0001"]')
    expect(alert).to_have_attribute("data-state", "open")
    alert.locator("button.ack").click()
    expect(alert).to_have_attribute("data-state", "acknowledged")
    expect(alert.locator(".who")).to_contain_text("ops-li")
    expect(alert.locator("button.ack")).to_have_count(0)
    shoot(page, "alerts")

    page.click('a[href="/terminals/SM0001"]')
    expect(page.locator("#state")).to_have_text("降级")
    page.click("a[href='?window=1h']")
    bars = page.locator("#availability svg rect[data-state]")
    expect(bars.first).to_be_attached()
    # this minute's slot holds its worst state: offline before the first heartbeat came, else degraded
    assert bars.last.get_attribute("data-state") in {"offline", "degraded"}
    expect(page.locator("#backlog svg rect.backlog").first).to_be_attached()
    expect(page.locator("table.changes tbody tr").first).to_contain_text("现在")
    expect(page.locator('tr[data-device="printer"]')).to_contain_text("缺纸")
    shoot(page, "terminal")

    page.click("header nav a[href='/halls']")
    expect(page.locator('tr[data-hall="zd-center"] strong')).to_have_text("50%")
    shoot(page, "halls")
    page.click("a.lang")
    expect(page.locator("h1")).to_have_text("Availability by hall")
    page.goto(f"{live.base}/")
    expect(page.locator('tr[data-terminal="SM0001"] .why')).to_have_text("printer: out of paper")
    shoot(page, "overview-en")
    context.close()


def test_a_viewer_cannot_acknowledge_and_a_request_without_the_csrf_token_is_refused(
        live: Live, chromium: Browser) -> None:
    live.simulator.terminals["SM0002"].paper = "out"
    context, page = _page(chromium)
    sign_in(page, live.base, "ops-wang")
    page.goto(f"{live.base}/alerts")
    alert = page.locator('tr[data-alert="paper_out/SM0002"]')
    expect(alert).to_have_attribute("data-state", "open", timeout=WAIT_MS)
    expect(page.locator("button.ack")).to_have_count(0)
    expect(page.locator("header .user")).to_have_attribute("data-role", "viewer")
    token = context.request.get(f"{live.base}/api/session").json()["csrf"]
    refused = context.request.post(f"{live.base}/alerts/paper_out/SM0002/acknowledge", form={"csrf": token})
    assert refused.status == 403
    assert "运维员" in refused.text()  # the page says why: the role may look but not act
    context.close()

    context, page = _page(chromium)
    sign_in(page, live.base, "ops-li")
    page.goto(f"{live.base}/alerts")
    expect(page.locator('tr[data-alert="paper_out/SM0002"] button.ack')).to_be_visible(timeout=WAIT_MS)
    forged = context.request.post(f"{live.base}/alerts/paper_out/SM0002/acknowledge", form={"note": "no token"})
    assert forged.status == 403
    assert context.request.post(f"{live.base}/api/alerts/paper_out/SM0002/acknowledge").status == 403
    page.reload()
    alert = page.locator('tr[data-alert="paper_out/SM0002"]')
    expect(alert).to_have_attribute("data-state", "open")
    page.evaluate("""document.body.setAttribute('hx-headers', '{"X-CSRF-Token": "an older session"}');
                     document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'an older session');
                     document.body.dataset.stale = 'yes'""")
    alert.locator("button.ack").click()  # a tab left from an earlier login: refused, and the page reloads
    expect(page.locator("button.ack").first).to_be_visible()
    expect(page.locator("body[data-stale]")).to_have_count(0)  # a new page (wait_for_function's eval meets the CSP)
    expect(alert).to_have_attribute("data-state", "open")
    alert.locator("button.ack").click()  # the reloaded page carries the session's token
    expect(alert).to_have_attribute("data-state", "acknowledged")
    outcomes = [(r["user"], r["outcome"]) for r in Accounts(live.monitor.engine).audit() if r["action"] == "acknowledge"]
    assert outcomes == [("ops-li", "ok")] + [("ops-li", "refused:csrf")] * 3 + [("ops-wang", "refused:role")]
    context.close()

    context, page = _page(chromium)
    sign_in(page, live.base, "ops-admin")
    page.click("header nav a[href='/audit']")
    expect(page.locator('tr[data-action="acknowledge"][data-outcome="refused:role"]')).to_contain_text("ops-wang")
    expect(page.locator('tr[data-action="acknowledge"][data-outcome="ok"]')).to_contain_text("ops-li")
    shoot(page, "audit")
    context.close()
