"""差评 follow-up on the dashboard, in headless Chromium: the halls' figures, an overdue case, a 回访 recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import Engine, insert, select

from central.auth.accounts import Accounts
from central.platform.schema import feedback_followups, messages, ops_audit
from central.web import create_app
from tests.central.dashboard.browser import serving, shoot, sign_in
from tests.central.dashboard.helpers import client_over, csrf_of, guard_with_accounts, log_in
from tests.central.monitor.helpers import fleet

LONG_AGO = (datetime.now(UTC) - timedelta(days=40)).isoformat()  # past any deadline: overdue


def rated(engine: Engine) -> None:
    """A 非常不满意 at LC0001 (overdue), a 满意 at LC0002, a 不满意 at ZD0001 (today)."""
    now = datetime.now(UTC).isoformat()
    with engine.begin() as conn:
        conn.execute(insert(messages), [
            {"id": f"rating{n:02d}-0000-0000", "terminal": terminal, "seq": n, "kind": "rating", "created": at,
             "received_at": at, "level": level, "envelope": b"sealed"}
            for n, (terminal, level, at) in enumerate((("LC0001", 1, LONG_AGO), ("LC0002", 4, now),
                                                       ("ZD0001", 2, now)))])


def test_an_operator_sees_the_overdue_case_first_and_records_the_follow_up(
        tmp_path: Path, sqlite_db: Engine, chromium: Browser) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    rated(sqlite_db)
    with serving(create_app(monitor, book, guard_with_accounts(Accounts(sqlite_db)))) as base:
        page = chromium.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN").new_page()
        sign_in(page, base, "ops-li")
        page.click("nav a[href='/cases']")
        lc = page.locator("table.case-halls tr[data-hall='lc-center']")
        expect(lc.locator("td.overdue-count")).to_have_text("1")
        first = page.locator("table.cases tbody tr").first
        expect(first).to_have_attribute("data-rating", "rating00-0000-0000")
        expect(first.locator("td.state")).to_have_text("已超期")
        shoot(page, "cases")
        first.locator("select[name=how]").select_option("phone")
        first.locator("input[name=outcome]").fill("已致歉，补办已完成")
        first.locator("button[type=submit]").click()
        expect(page.locator("tr[data-rating='rating00-0000-0000'] td.state")).to_contain_text("已办结")
        expect(page.locator("table.case-halls tr[data-hall='lc-center'] td.overdue-count")).to_have_text("0")
        page.fill("tr[data-rating='rating02-0000-0000'] input[name=outcome]", "   ")
        page.click("tr[data-rating='rating02-0000-0000'] button[type=submit]")  # only spaces: the server says why
        expect(page.locator("#case-error")).to_contain_text("plain text")
        expect(page.locator("tr[data-rating='rating02-0000-0000'] td.state")).to_have_text("未处理")
    with sqlite_db.connect() as conn:
        (followup,) = conn.execute(select(feedback_followups)).all()
        audited = conn.execute(select(ops_audit.c.user, ops_audit.c.outcome)
                               .where(ops_audit.c.action == "case_follow_up")).all()
    assert (followup.by, followup.how, followup.reached, followup.outcome) == ("ops-li", "phone", 1, "已致歉，补办已完成")
    assert audited == [("ops-li", "ok"), ("ops-li", "refused:input")]


def test_a_viewer_reads_but_cannot_record_and_bad_posts_are_refused(tmp_path: Path, sqlite_db: Engine) -> None:
    monitor, book = fleet(tmp_path, sqlite_db)
    rated(sqlite_db)
    client, _ = client_over(monitor, book)
    assert log_in(client, "ops-wang") == 303
    page = client.get("/cases", headers={"Accept-Language": "en"}).text
    assert "rating00-000" in page
    assert "Record follow-up" not in page
    refused = client.post("/cases/rating00-0000-0000/follow-up", data={"how": "phone", "outcome": "x",
                                                                       "csrf": csrf_of(client)})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf": csrf_of(client)})
    assert log_in(client, "ops-li") == 303
    no_token = client.post("/cases/rating00-0000-0000/follow-up", data={"how": "phone", "outcome": "x"})
    assert no_token.status_code == 403
    token = csrf_of(client)
    wrong_way = client.post("/cases/rating00-0000-0000/follow-up", data={"how": "pigeon", "outcome": "x",
                                                                         "csrf": token})
    assert wrong_way.status_code == 422
    assert "is not a way to follow up" in wrong_way.text
    control = client.post("/cases/rating00-0000-0000/follow-up", data={"how": "sms", "outcome": "a\x1b[2Jb",
                                                                       "csrf": token})
    assert control.status_code == 422
    unknown = client.post("/cases/zzzzzzzz/follow-up", data={"how": "sms", "outcome": "ok", "csrf": token})
    assert unknown.status_code == 422
    with sqlite_db.connect() as conn:
        assert conn.execute(select(feedback_followups)).all() == []
