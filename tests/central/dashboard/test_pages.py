"""What the pages say: filters, halls, a terminal's detail and charts, Chinese and English, and the words used."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from central.dashboard import charts, views, words
from central.dashboard.render import SECURITY_HEADERS
from central.monitor.health import assess
from protocol.heartbeat import Audited, Presence
from tests.central.dashboard.helpers import dashboard, log_in
from tests.central.dashboard.msgids import used_msgids
from tests.central.monitor.helpers import ONLINE, beat

ROW = re.compile(r'<tr data-terminal="(\w+)" data-state="(\w+)">')


def test_the_overview_lists_terminals_needing_action_first_and_filters(tmp_path: Path, sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    page = client.get("/")
    assert ROW.findall(page.text) == [("ZD0001", "offline"), ("LC0002", "degraded"), ("LC0001", "online")]
    assert "打印机：缺纸" in page.text  # the reason in words, in Chinese by default
    assert "连接中断" in page.text
    assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    session = client.get("/api/session")  # the CSRF token's answer is not cached anywhere
    assert session.headers["cache-control"] == "no-store"
    assert client.get("/docs").status_code == 404  # no API docs pages pulling scripts from a CDN
    assert ROW.findall(client.get("/fragments/overview", params={"hall": "lc-center"}).text) == [
        ("LC0002", "degraded"), ("LC0001", "online")]
    assert ROW.findall(client.get("/fragments/overview", params={"state": "offline"}).text) == [("ZD0001", "offline")]
    assert ROW.findall(client.get("/fragments/overview", params={"q": "zd"}).text) == [("ZD0001", "offline")]
    assert ROW.findall(client.get("/fragments/overview", params={"site": "bank"}).text) == []
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert "printer: out of paper" in english
    assert "connection lost" in english


def test_the_overview_counts_the_matching_terminals_from_the_counts_or_by_a_pass(
        tmp_path: Path, sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    matching = re.compile(r"(\d+) of (\d+) terminals match")
    for filters, n in (({}, 3), ({"hall": "lc-center"}, 2), ({"state": "online"}, 1), ({"state": "sleepy"}, 0),
                       ({"hall": "lc-center", "state": "offline"}, 0), ({"hall": "nowhere"}, 0),
                       ({"site": "hall"}, 3), ({"q": "lc"}, 2), ({"q": "LC0002", "state": "degraded"}, 1)):
        page = client.get("/fragments/overview", params=filters, headers={"Accept-Language": "en"}).text
        assert matching.findall(page) == [(str(n), "3")], filters
    assert client.get("/", params={"q": "x" * 65}).status_code == 400  # a filter is bounded like the search box


def test_the_language_choice_sticks_and_only_known_languages_are_taken(tmp_path: Path, sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    assert client.get("/lang/en", params={"next": "/halls"}, follow_redirects=False).headers["location"] == "/halls"
    assert "Availability by hall" in client.get("/halls").text
    assert client.get("/lang/fr").status_code == 404
    client.get("/lang/zh")
    assert "各大厅可用率" in client.get("/halls").text


def test_halls_show_the_share_of_terminals_able_to_take_applications(tmp_path: Path, sqlite_db: Engine) -> None:
    client, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-wang") == 303
    page = client.get("/halls").text
    halls = re.findall(r'<tr data-hall="([\w-]+)">\s*<td>.*?</td>\s*<td class="num"><strong>(\d+)%</strong>', page)
    assert halls == [("lc-center", "50"), ("zd-center", "0")]
    over = re.findall(r'<td class="num day">([^<]+)</td>\s*<td class="num week">([^<]+)</td>', page)
    assert over == [("50.0%", "50.0%"), ("0.0%", "0.0%")]  # LC0001 up, LC0002 out of paper in both samples


def test_a_terminals_detail_shows_components_facts_alerts_and_its_charts(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, _, _ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    client.get("/lang/en")
    page = client.get("/terminals/LC0002", params={"window": "1h"}).text
    assert '<tr data-device="printer"><td>printer</td><td>needs staff</td><td>out</td><td>out of paper</td>' in page
    assert "2026.11.1" in page  # the catalog version it runs
    assert re.search(r"<td>out of paper</td><td>open</td>", page)
    assert page.count('<svg class="chart"') == 2
    assert 'data-state="degraded"' in page  # the availability chart has the minutes it spent degraded
    assert 'data-backlog="3"' in page
    assert '<tr data-state="degraded"><td><span class="badge state-degraded">degraded</span></td>' in page
    assert ">now</td>" in page  # degraded since the fixture's first flush, and still
    bad = client.get("/terminals/LC0002", params={"window": "3y"})
    assert bad.status_code == 400
    assert "The address has a value this page does not take: window" in bad.text
    assert bad.headers["x-content-type-options"] == "nosniff"
    missing = client.get("/terminals/XX0001")
    assert missing.status_code == 404
    assert "XX0001" in missing.text
    assert monitor.row("LC0002") is not None


def test_a_terminals_page_shows_what_the_technician_did_there_from_the_audit_log(
        tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, _, _ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    client.get("/lang/en")
    before = client.get("/terminals/LC0002").text
    assert re.search(r'id="technician">.*?class="empty">None.<', before, re.S)  # no technician yet
    at = datetime.now(UTC).replace(microsecond=0)
    monitor.technicians.record({"LC0002": [Audited(at=at.isoformat(), action="entered_card"),
                                           Audited(at=(at + timedelta(minutes=3)).isoformat(), action="self_test")]},
                                datetime.now(UTC))
    page = client.get("/terminals/LC0002").text
    assert re.search(r'<tr data-action="self_test"><td>[^<]+</td><td>ran the self-test</td>.*'
                     r'<tr data-action="entered_card"><td>[^<]+</td><td>opened it with a technician card</td>', page, re.S)
    client.get("/lang/zh")
    assert "<td>刷技术员卡进入</td>" in client.get("/terminals/LC0002").text


def test_charts_draw_runs_of_equal_slots_leave_gaps_blank_and_scale_the_backlog() -> None:
    start = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    window = charts.Window(start, start + timedelta(hours=1), timedelta(minutes=1))
    points = [{"at": (start + timedelta(minutes=m)).isoformat(), "state": "online" if m < 30 else "offline",
               "available_pct": 100.0 if m < 30 else 0.0, "backlog": m if m >= 50 else None}
              for m in range(60) if not 40 <= m < 50]  # ten minutes without data
    svg = str(charts.availability(points, window, "<Availability>", "%H:%M"))
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="([\d.]+)" fill="#\w+" '
                      r'data-state="(\w+)"/>', svg)
    assert [state for *_, state in bars] == ["online", "offline", "offline"]  # the gap splits the offline run
    assert float(bars[0][2]) > 100 > float(bars[1][2])  # full height while available, a sliver while not
    assert "&lt;Availability&gt;" in svg  # titles are escaped
    step = (720 - 44) / 60
    assert abs(float(bars[2][0]) - (44 + 50 * step)) < 0.2  # the last run starts after the ten blank minutes
    backlog = str(charts.backlog(points, window, "Backlog", "%H:%M"))
    assert backlog.count('class="backlog"') == 10
    assert ">100<" in backlog  # the axis is rounded up from the largest backlog, 59


def test_every_msgid_has_a_chinese_translation_and_every_reason_form_is_recognised() -> None:
    catalog = words.catalog("zh")
    missing = sorted(m for m in used_msgids() if catalog.gettext(m) == m)
    assert missing == []
    now = datetime.now(UTC)
    produced = set()
    for presence, beat_, beat_at, revoked, maintenance in [
            (None, None, None, True, False), (None, None, None, False, True), (None, None, None, False, False),
            (Presence(online=False, reason="lost", boot="b"), None, None, False, False),
            (ONLINE, None, None, False, False), (ONLINE, beat("LC0009"), now - timedelta(hours=1), False, False),
            (ONLINE, beat("LC0009", "out"), now, False, False), (ONLINE, beat("LC0009", "jammed"), now, False, False)]:
        health = assess(presence=presence, beat=beat_, beat_at=beat_at, now=now, interval=timedelta(seconds=30),
                        revoked=revoked, maintenance=maintenance)
        produced |= set(health.reasons)
    full = beat("LC0009").model_copy(update={"disk_free_pct": 3.0})
    produced |= set(assess(presence=ONLINE, beat=full, beat_at=now, now=now, interval=timedelta(seconds=30)).reasons)
    assert len(produced) == 9
    untranslated = [r for r in produced if words.reason(r, "zh") == r or re.search(r"[a-z]{4,}", words.reason(r, "zh"))]
    assert untranslated == []
    assert words.reason("something new", "zh") == "something new"  # unknown forms are shown, never dropped
    for reported in ("2026-11-22T10:00:00", "yesterday", ""):  # a terminal's odd clock never breaks a page
        assert words.when(reported, now, "zh") == "-"


def test_state_changes_are_runs_newest_first_and_a_gap_ends_one() -> None:
    start = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    states = ["online"] * 3 + ["degraded"] * 2 + [None] * 2 + ["degraded"] * 2
    points = [{"at": (start + timedelta(minutes=m)).isoformat(), "state": state} for m, state in enumerate(states)
              if state is not None]
    runs = views.changes(points, timedelta(minutes=1), now=start + timedelta(minutes=9, seconds=20))
    assert [(r["state"], r["since"].minute, r["until"].minute, r["ongoing"]) for r in runs] == [
        ("degraded", 7, 9, True), ("degraded", 3, 5, False), ("online", 0, 3, False)]


def test_audit_times_are_shown_in_the_servers_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # a hall's central runs on China Standard Time
    time.tzset()
    try:
        assert words.local_time("2026-11-22T15:04:33.123+00:00") == "2026-11-22 23:04:33"
        assert words.local_time("not a time") == "not a time"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_overview_counts_the_terminals_on_each_catalog_version(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    chips = re.compile(r'<span class="chip" data-version="([\w.-]+)">[\w.-]+ × (\d+)</span>')
    assert chips.findall(client.get("/").text) == [("2026.11.1", "3")]
    seen = monitor.seen["LC0001"]
    assert seen.beat is not None
    monitor.seen["LC0001"] = replace(seen, beat=seen.beat.model_copy(update={"catalog_version": "2026.12.8"}))
    assert chips.findall(client.get("/fragments/overview").text) == [("2026.11.1", "3")]  # counted by the flush
    monitor.flush(monitor.snapshot_at + timedelta(seconds=5) if monitor.snapshot_at else None)
    page = client.get("/fragments/overview").text
    assert chips.findall(page) == [("2026.11.1", "2"), ("2026.12.8", "1")]
    assert "在用事项目录版本" in page


def test_a_terminal_that_refused_a_release_says_why_on_its_page(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    assert "catalog-refused" not in client.get("/terminals/LC0001").text
    seen = monitor.seen["LC0001"]
    assert seen.beat is not None
    seen.beat = seen.beat.model_copy(update={"catalog_refused": "bad_signature"})
    assert "最近一次目录发布被拒收: 签名不是本系统的目录签名密钥" in client.get("/terminals/LC0001").text
    english = client.get("/terminals/LC0001", headers={"Accept-Language": "en"}).text
    assert "last release refused: not signed by the fleet&#39;s catalog key" in english


def test_a_terminals_page_says_when_its_revocation_list_was_signed(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    crl = re.compile(r'<dd id="crl">([^<]+)</dd>')
    assert crl.findall(client.get("/terminals/LC0001").text) == ["未持有"]
    seen = monitor.seen["LC0001"]
    assert seen.beat is not None
    signed = datetime.now(UTC) - timedelta(days=3)
    seen.beat = seen.beat.model_copy(update={"crl_updated": signed.isoformat()})
    shown = signed.astimezone().strftime("%m-%d %H:%M")
    assert crl.findall(client.get("/terminals/LC0001").text) == [f"签发于 {shown} (3 天前)"]
    english = client.get("/terminals/LC0001", headers={"Accept-Language": "en"}).text
    assert crl.findall(english) == [f"signed {shown} (3 d ago)"]


def test_a_terminals_last_self_test_is_on_its_page_with_what_failed(tmp_path: Path, sqlite_db: Engine) -> None:
    client, monitor, *_ = dashboard(tmp_path, sqlite_db)
    assert log_in(client, "ops-li") == 303
    assert "尚未运行" in client.get("/terminals/LC0001").text
    seen = monitor.seen["LC0001"]
    assert seen.beat is not None
    at = datetime.now(UTC).isoformat()
    seen.beat = seen.beat.model_copy(update={"selftest_at": at, "selftest_failed": ["printer", "broker"]})
    assert "未通过： 打印机、与中心的连接" in client.get("/terminals/LC0001").text
    english = client.get("/terminals/LC0001", headers={"Accept-Language": "en"}).text
    assert "failed: printer, link to central" in english
    seen.beat = seen.beat.model_copy(update={"selftest_failed": []})
    assert "通过 ·" in client.get("/terminals/LC0001").text
