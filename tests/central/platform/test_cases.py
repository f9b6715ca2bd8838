"""差评 follow-up: every bad rating opens one case, due in working days on the catalog's calendar; 回访 close them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, insert

from central.platform import cases
from central.platform.catalogs import CatalogArchive
from central.platform.schema import messages, terminals
from domain.data import SAMPLE_CATALOG

RULES = cases.Rules(CatalogArchive.load(None, SAMPLE_CATALOG).newest().calendar, days=5)
EVE_OF_NATIONAL_DAY = "2026-09-30T10:00:00+00:00"


def fleet_with_ratings(engine: Engine) -> None:
    """Two halls' terminals and their ratings: 非常不满意 and 不满意 at lc-center, 满意 at the bank outlet."""
    with engine.begin() as conn:
        conn.execute(insert(terminals), [
            {"id": "LC0001", "certificate": "-", "hall": "lc-center", "site": "hall", "registered_at": "2026-09-01"},
            {"id": "BK0001", "certificate": "-", "hall": "bank-ccb", "site": "bank", "registered_at": "2026-09-01"}])
        conn.execute(insert(messages), [
            {"id": f"r{level}{terminal}".lower() + "0" * 8, "terminal": terminal, "seq": level, "kind": "rating",
             "created": EVE_OF_NATIONAL_DAY, "received_at": EVE_OF_NATIONAL_DAY, "level": level,
             "application_id": "app-1" if level == 1 else None, "envelope": b"sealed"}
            for terminal, level in (("LC0001", 1), ("LC0001", 2), ("BK0001", 5))])


def test_bad_ratings_open_one_case_each_due_after_the_holidays(sqlite_db: Engine) -> None:
    fleet_with_ratings(sqlite_db)
    rows = cases.listing(sqlite_db, RULES, date(2026, 10, 9))
    assert [(r["level"], r["hall"], r["due"]) for r in rows] == [(1, "lc-center", "2026-10-13"),
                                                                   (2, "lc-center", "2026-10-13")]
    assert rows[0]["application"] == "app-1"
    assert not any(r["overdue"] for r in rows)  # 国庆 is not counted: weekdays alone would say 10-07
    assert len(cases.listing(sqlite_db, RULES, date(2026, 10, 9))) == 2  # opened once, whatever runs it again
    assert all(r["overdue"] for r in cases.listing(sqlite_db, RULES, date(2026, 10, 14)))


def test_a_follow_up_that_reached_the_citizen_closes_the_case_and_counts_for_the_hall(sqlite_db: Engine) -> None:
    fleet_with_ratings(sqlite_db)
    now = datetime(2026, 10, 9, 9, tzinfo=UTC)
    assert not cases.follow_up(sqlite_db, RULES, "r1lc0001", by="zhao", how="phone", outcome="未接通", reached=False,
                               now=now)
    assert cases.follow_up(sqlite_db, RULES, "r1lc0001", by="zhao", how="phone", outcome="已致歉，问题已解决",
                           reached=True, now=now)
    with pytest.raises(cases.CaseError, match="was closed on 2026-10-09"):
        cases.follow_up(sqlite_db, RULES, "r1lc0001", by="zhao", how="sms", outcome="again", reached=True, now=now)
    with pytest.raises(cases.CaseError, match="is not a way"):
        cases.follow_up(sqlite_db, RULES, "r2lc0001", by="zhao", how="pigeon", outcome="x", reached=True, now=now)
    with pytest.raises(cases.CaseError, match="at least 6 characters"):
        cases.follow_up(sqlite_db, RULES, "r", by="zhao", how="sms", outcome="x", reached=True, now=now)
    with pytest.raises(cases.CaseError, match="plain text"):
        cases.follow_up(sqlite_db, RULES, "r2lc0001", by="zhao", how="sms", outcome="a\x1bb", reached=True, now=now)
    halls = {r["hall"]: r for r in cases.by_hall(sqlite_db, RULES, date(2026, 10, 14))}
    assert halls["lc-center"]["ratings"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (halls["lc-center"]["cases"], halls["lc-center"]["open"], halls["lc-center"]["overdue"]) == (2, 1, 1)
    assert halls["lc-center"]["followed_up_pct"] == 50.0
    assert (halls["bank-ccb"]["cases"], halls["bank-ccb"]["followed_up_pct"]) == (0, 100.0)


def test_the_command_line_lists_and_records_and_names_mistakes(sqlite_db: Engine) -> None:
    from main import cli

    fleet_with_ratings(sqlite_db)
    db = ["--db", str(sqlite_db.url)]
    listed = CliRunner().invoke(cli, ["central", "cases", "list", "--open", *db])
    assert listed.exit_code == 0, listed.output
    assert "level 1  lc-center    due 2026-10-13  OVERDUE" in listed.output  # today is past it
    done = CliRunner().invoke(cli, ["central", "cases", "follow-up", "r2lc0001", "--how", "visit", "--outcome",
                                    "上门回访，已解决", "--by", "zhao", *db])
    assert done.exit_code == 0, done.output
    assert "the case is closed" in done.output
    missing = CliRunner().invoke(cli, ["central", "cases", "follow-up", "zzzzzzzz", "--how", "sms", "--outcome", "x",
                                       *db])
    assert missing.exit_code == 2
    halls = CliRunner().invoke(cli, ["central", "cases", "halls", "--days", "15", *db])
    assert "lc-center      ratings 1-5 1/1/0/0/0  cases 2 open 1" in halls.output


def test_a_deadline_counts_from_the_day_in_china() -> None:
    assert cases.local_day("2026-12-01T17:00:00+00:00") == date(2026, 12, 2)  # 01:00 in Beijing
