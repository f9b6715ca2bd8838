"""Alerts: opened after the condition holds, damped against flapping, acknowledged, resolved; the webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from central.monitor.alerts import CRL_STALE_DAYS, Alert, AlertBook, AlertState
from central.monitor.rows import Facts, State, TerminalStatus
from central.monitor.webhook import DELIVERY_HEADER, SIGNATURE_HEADER, Webhook, sign
from protocol.heartbeat import Component
from tests.central.monitor.helpers import SINCE, beat
from tests.central.monitor.receiver import Receiver

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def row(paper: str = "full", state: str = "online", **extra: Any) -> Facts:
    printer = Component(device="printer", state="online", since=SINCE, media={"paper": paper})
    heartbeat = beat("LC0001").model_copy(update={"components": [printer], **extra})
    return Facts(TerminalStatus(terminal="LC0001", state=State(state), changed_at=SINCE), heartbeat)


@pytest.fixture
def book() -> tuple[AlertBook, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []
    return AlertBook(lambda event, alert: events.append((event, alert.rule))), events


def run(book: AlertBook, rows: list[Facts], start: datetime, seconds: int, step: int = 5) -> datetime:
    now = start
    for _ in range(0, seconds, step):
        book.evaluate(rows, now)
        now += timedelta(seconds=step)
    return now


def test_paper_out_opens_after_it_holds_and_resolves_after_it_clears(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    now = run(alerts, [row("out")], T0, 25)
    assert events == []  # 25 s is under the 30 s hold
    now = run(alerts, [row("out")], now, 10)
    assert events == [("opened", "paper_out")]
    alerts.acknowledge("paper_out", "LC0001", "ops-li", now)
    assert alerts.alerts[("paper_out", "LC0001")].state is AlertState.ACKNOWLEDGED
    now = run(alerts, [row("full")], now, 55)
    assert ("resolved", "paper_out") not in events  # clear for under a minute: still open
    run(alerts, [row("full")], now, 10)
    assert events == [("opened", "paper_out"), ("acknowledged", "paper_out"), ("resolved", "paper_out")]
    assert alerts.history[0].resolved_by == "condition cleared"


def test_a_flickering_sensor_pages_nobody_and_an_open_alert_is_not_repeated(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    now = T0
    for _ in range(20):  # 20 s out, 10 s fine, again and again
        now = run(alerts, [row("out")], now, 20)
        now = run(alerts, [row("full")], now, 10)
    assert events == []
    now = run(alerts, [row("out")], now, 600)
    assert events == [("opened", "paper_out")]  # once, however long it lasts
    run(alerts, [row("out", state="offline")], now, 400)
    assert events == [("opened", "paper_out"), ("opened", "offline")]  # offline after 5 minutes


def test_resolving_by_hand_and_the_counts_by_rule(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    now = run(alerts, [row("low", oldest_unsynced_s=4000.0, disk_free_pct=7.0)], T0, 180)
    assert alerts.open_by_rule() == {"paper_low": 1, "backlog_old": 1, "disk_low": 1}
    resolved = alerts.resolve("backlog_old", "LC0001", "ops-wang", now)
    assert (resolved.state, resolved.resolved_by) == (AlertState.RESOLVED, "ops-wang")
    run(alerts, [row("low", oldest_unsynced_s=4000.0, disk_free_pct=7.0)], now, 10)
    assert events.count(("opened", "backlog_old")) == 2  # still true: a new alert, not the old one reopened


def test_the_webhook_retries_signs_and_keeps_one_delivery_id(receiver: str) -> None:
    hook = Webhook(receiver, b"shared-secret", first_delay=0.05)
    hook.notify("opened", Alert("paper_out", "LC0001", "critical", T0))
    hook.close()
    assert (hook.delivered, hook.failed) == (1, 0)
    assert len(Receiver.calls) == 3  # two 503s, then accepted
    deliveries = {headers[DELIVERY_HEADER] for headers, _ in Receiver.calls}
    assert len(deliveries) == 1
    headers, body = Receiver.calls[-1]
    assert headers[SIGNATURE_HEADER] == sign(b"shared-secret", body)
    assert json.loads(body)["alert"]["rule"] == "paper_out"


def test_a_refusing_receiver_is_not_retried(receiver: str) -> None:
    hook = Webhook(receiver.replace("/hook", "/refuse"), b"s", first_delay=0.05)
    hook.notify("resolved", Alert("paper_out", "LC0001", "critical", T0))
    hook.close()
    assert (hook.delivered, hook.failed, len(Receiver.calls)) == (0, 1, 1)
    with pytest.raises(ValueError, match="http"):
        Webhook("ftp://x", b"s")


def test_a_terminal_in_maintenance_pages_nobody_and_its_alerts_clear(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    now = run(alerts, [row("out")], T0, 40)
    assert events == [("opened", "paper_out")]
    run(alerts, [row("out", state="maintenance")], now, 600)
    assert events == [("opened", "paper_out"), ("resolved", "paper_out")]  # the technician is on it


def test_a_full_disk_and_a_certificate_expiring_now_page_at_exactly_zero(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    expiring_now = T0.isoformat()
    run(alerts, [row(disk_free_pct=0.0, cert_expires=expiring_now)], T0, 65)
    assert sorted(rule for event, rule in events if event == "opened") == ["cert_expiring", "disk_low"]


def test_a_terminal_that_reports_no_disk_or_certificate_is_not_paged_for_them(book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    run(alerts, [row(cert_expires=None)], T0, 65)
    assert events == []


def test_a_terminal_holding_an_old_revocation_list_is_flagged_and_a_fresh_one_clears_it(
        book: tuple[AlertBook, list]) -> None:
    alerts, events = book
    run(alerts, [row(crl_updated=(T0 - timedelta(days=CRL_STALE_DAYS, hours=1)).isoformat())], T0, 5)
    assert [rule for event, rule in events if event == "opened"] == ["crl_stale"]
    run(alerts, [row(crl_updated=(T0 - timedelta(days=1)).isoformat())], T0 + timedelta(seconds=10), 5)
    assert "crl_stale" not in alerts.open_by_rule()
    run(alerts, [row(crl_updated=None)], T0 + timedelta(seconds=20), 5)  # none held (an older terminal): not paged
    assert [rule for event, rule in events if event == "opened"] == ["crl_stale"]


def test_a_full_disk_and_a_certificate_expiring_now_alert(book: tuple[AlertBook, list]) -> None:
    alerts, _ = book  # zero is a value, not "not reported" (#23 defect 8)
    run(alerts, [row(disk_free_pct=0.0, cert_expires=(T0 + timedelta(seconds=30)).isoformat())], T0, 120)
    assert {"disk_low", "cert_expiring"} <= set(alerts.open_by_rule())
