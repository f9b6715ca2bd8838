"""差评 follow-up (实名差评100%回访): a case for every 不满意 or 非常不满意 rating, due in working days.

A bad rating that reached central opens a case (idempotently: ``open_new`` runs before every read
and in `central serve`), tied to its terminal's hall and the application it rates; the deadline is
the province's number of working days (5 or 15, configured) after the day central received it, on
the catalog's working calendar (holidays and 调休 weekends). Staff record each 回访 — who, when, how,
what came of it; one that reached the citizen closes the case. A case past its deadline is overdue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from central.platform.catalogs import CatalogArchive
from central.platform.schema import feedback_cases, feedback_followups, messages, terminals
from domain.calendar import WorkingCalendar

CHINA = ZoneInfo("Asia/Shanghai")  # deadlines are days in the halls' time zone
BAD_LEVELS = (1, 2)  # 非常不满意, 不满意
WAYS = ("phone", "sms", "visit", "letter")
MAX_OUTCOME = 300


class CaseError(ValueError):
    """A follow-up that cannot be recorded; the message says why."""


@dataclass(frozen=True)
class Rules:
    """The province's rule: how many working days a follow-up may take, on which calendar."""

    calendar: WorkingCalendar
    days: int = 5


def rules_for(catalogs: Path | None, days: int) -> Rules:
    """Return the deadline rules on the newest calendar of the archive ``catalogs`` (the bundled sample when None)."""
    archive = CatalogArchive.published(catalogs)
    return Rules(archive.newest().calendar, days)


def open_new(conn: Connection, rules: Rules) -> int:
    """Open a case for every bad rating that has none yet; return how many were opened."""
    rows = conn.execute(select(messages.c.id, messages.c.terminal, messages.c.level, messages.c.application_id,
                               messages.c.received_at, terminals.c.hall)
                        .outerjoin(terminals, terminals.c.id == messages.c.terminal)
                        .outerjoin(feedback_cases, feedback_cases.c.rating == messages.c.id)
                        .where(messages.c.kind == "rating", messages.c.level.in_(BAD_LEVELS),
                               feedback_cases.c.rating.is_(None))).all()
    if rows:  # two processes opening the same case at once: the second one's row is skipped, not an error
        upsert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(feedback_cases)
        conn.execute(upsert.on_conflict_do_nothing(index_elements=["rating"]), [
            {"rating": r.id, "terminal": r.terminal, "hall": r.hall or "", "level": r.level,
             "application": r.application_id, "received_at": r.received_at,
             "due": rules.calendar.add_working_days(local_day(r.received_at), rules.days).isoformat(),
             "closed_at": None} for r in rows])
    return len(rows)


def local_day(stamp: str) -> date:
    """Return the day a UTC time falls on in China (a rating at 01:00 Beijing time is that day's)."""
    return datetime.fromisoformat(stamp).astimezone(CHINA).date()


def today() -> date:
    """Return today's date in China."""
    return datetime.now(CHINA).date()


def listing(engine: Engine, rules: Rules, today: date, *, hall: str | None = None,
            open_only: bool = False) -> list[dict[str, Any]]:
    """Return the cases, open ones first and the soonest due first, each with its follow-ups counted."""
    with engine.begin() as conn:
        open_new(conn, rules)
        tries = (select(feedback_followups.c.rating, func.count().label("tries"))
                 .group_by(feedback_followups.c.rating).subquery())
        query = (select(feedback_cases, func.coalesce(tries.c.tries, 0).label("followups"))
                 .outerjoin(tries, tries.c.rating == feedback_cases.c.rating)
                 .order_by(feedback_cases.c.closed_at.is_not(None), feedback_cases.c.due))
        if hall is not None:
            query = query.where(feedback_cases.c.hall == hall)
        if open_only:
            query = query.where(feedback_cases.c.closed_at.is_(None))
        rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["overdue"] = row["closed_at"] is None and date.fromisoformat(row["due"]) < today
    return rows


def follow_up(engine: Engine, rules: Rules, rating: str, *, by: str, how: str, outcome: str, reached: bool,
              now: datetime) -> bool:
    """Record one 回访 of the case of ``rating`` (an unambiguous prefix of its id); return whether it closed."""
    if how not in WAYS:
        raise CaseError(f"{how!r} is not a way to follow up: {', '.join(WAYS)}")
    text = outcome.strip()
    if not text or len(text) > MAX_OUTCOME or any(ord(c) < 32 for c in text):
        raise CaseError(f"say what came of it in at most {MAX_OUTCOME} characters of plain text")
    with engine.begin() as conn:
        open_new(conn, rules)
        case = _case(conn, rating)
        if case.closed_at is not None:
            raise CaseError(f"the case of rating {case.rating[:12]} was closed on {case.closed_at[:10]}")
        conn.execute(insert(feedback_followups).values(rating=case.rating, at=now.isoformat(), by=by[:64], how=how,
                                                       reached=int(reached), outcome=text))
        if reached:
            conn.execute(update(feedback_cases).where(feedback_cases.c.rating == case.rating)
                         .values(closed_at=now.isoformat()))
    return reached


def _case(conn: Connection, rating: str) -> Any:
    """Return the one case whose rating id starts with ``rating``."""
    ref = rating.strip().lower()
    if len(ref) < 6:
        raise CaseError("give at least 6 characters of the rating's id")
    found = conn.execute(select(feedback_cases).where(feedback_cases.c.rating.startswith(ref, autoescape=True))
                         .limit(2)).all()
    if len(found) != 1:
        raise CaseError(f"{'no case' if not found else 'more than one case'} has a rating id starting {ref}")
    return found[0]


def by_hall(engine: Engine, rules: Rules, today: date) -> list[dict[str, Any]]:
    """Return per hall: ratings by level, cases open and overdue, and the share of cases followed up."""
    with engine.begin() as conn:
        open_new(conn, rules)
        levels = conn.execute(select(func.coalesce(terminals.c.hall, ""), messages.c.level, func.count())
                              .outerjoin(terminals, terminals.c.id == messages.c.terminal)
                              .where(messages.c.kind == "rating").group_by(terminals.c.hall, messages.c.level)).all()
        cases = conn.execute(select(feedback_cases.c.hall, feedback_cases.c.closed_at, feedback_cases.c.due)).all()
        tried_by_hall = conn.execute(select(feedback_cases.c.hall, func.count(feedback_cases.c.rating.distinct()))
                                     .join(feedback_followups, feedback_followups.c.rating == feedback_cases.c.rating)
                                     .group_by(feedback_cases.c.hall)).all()
    halls: dict[str, dict[str, Any]] = {}
    for hall, level, count in levels:
        halls.setdefault(hall, _blank(hall))["ratings"][str(level)] = count
    for case in cases:
        row = halls.setdefault(case.hall, _blank(case.hall))
        row["cases"] += 1
        row["open"] += case.closed_at is None
        row["overdue"] += case.closed_at is None and date.fromisoformat(case.due) < today
    for hall, count in tried_by_hall:
        halls[hall]["followed_up"] = count
    for row in halls.values():
        row["followed_up_pct"] = round(100 * row["followed_up"] / row["cases"], 1) if row["cases"] else 100.0
    return sorted(halls.values(), key=lambda r: r["hall"])


def _blank(hall: str) -> dict[str, Any]:
    """Return an empty per-hall row."""
    return {"hall": hall, "ratings": {str(level): 0 for level in range(1, 6)}, "cases": 0, "open": 0, "overdue": 0,
            "followed_up": 0}


class CaseMetrics(Collector):
    """Prometheus gauges of the cases per hall (open, overdue): an overdue follow-up pages ops."""

    def __init__(self, engine: Engine, rules: Rules) -> None:
        """Count from ``engine`` by ``rules``."""
        self.engine, self.rules = engine, rules

    def collect(self) -> Iterator[Metric]:
        """Yield the open and overdue cases per hall (nothing when the database cannot be read)."""
        open_ = GaugeMetricFamily("yichuang_feedback_cases_open", "差评 cases no 回访 has closed yet",
                                  labels=["hall"])
        overdue = GaugeMetricFamily("yichuang_feedback_cases_overdue", "差评 cases past their follow-up deadline",
                                    labels=["hall"])
        try:
            halls = by_hall(self.engine, self.rules, today())
        except SQLAlchemyError:
            halls = []
        for row in halls:
            open_.add_metric([row["hall"]], row["open"])
            overdue.add_metric([row["hall"]], row["overdue"])
        yield from (open_, overdue)
