"""The 差评 follow-up pages: each hall's ratings, cases and 回访 rate, the cases overdue first, and a 回访 form.

Anyone logged in reads them; operators record a 回访 (with the session's CSRF token), as the person
logged in, audited with the outcome. The rules (working days, calendar) are central serve's:
``YC_CASE_DAYS`` (5) on the bundled catalog's calendar unless given.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from central.auth.security import FormToken, Guard
from central.dashboard.render import render
from central.dashboard.words import N_
from central.platform import cases

RATING_MAX = 64
WAYS = {"phone": N_("phone"), "sms": N_("text message"), "visit": N_("home visit"), "letter": N_("letter")}


def default_rules() -> cases.Rules:
    """Return the deadline rules `central serve` uses by default: YC_CASE_DAYS working days on the sample calendar."""
    days = os.environ.get("YC_CASE_DAYS", "5")
    return cases.rules_for(None, int(days) if days.isdigit() and 1 <= int(days) <= 60 else 5)


def case_routes(engine: Engine, guard: Guard, rules: cases.Rules) -> APIRouter:
    """Return the cases page, its live part and the 回访 form's post."""
    router = APIRouter(include_in_schema=False)

    def page(request: Request, status: int = 200, error: str | None = None, hall: str = "") -> HTMLResponse:
        """Render the per-hall figures and the case list (one hall's, or all)."""
        template = "_cases.html" if request.url.path.startswith("/fragments/") else "cases.html"
        today = cases.today()
        return render(request, template, guard.viewer(request), status, halls=cases.by_hall(engine, rules, today),
                      rows=cases.listing(engine, rules, today, hall=hall or None), hall=hall, error=error,
                      ways=WAYS)

    @router.get("/cases", response_class=HTMLResponse)
    @router.get("/fragments/cases", response_class=HTMLResponse)
    def cases_page(request: Request, hall: str = "") -> HTMLResponse:
        """Show the halls' figures and the cases, open and overdue first."""
        return page(request, hall=hall[:64])

    @router.post("/cases/{rating}/follow-up")
    def follow_up(request: Request, rating: str, *, how: Annotated[str, Form(max_length=8)] = "",
                  outcome: Annotated[str, Form(max_length=cases.MAX_OUTCOME * 2)] = "",
                  reached: Annotated[str, Form(max_length=8)] = "", csrf: FormToken = None) -> Response:
        """Record a 回访 as the operator logged in; a mistake shows the page again with what was wrong."""
        target = rating[:RATING_MAX]
        who = guard.actor(request, "case_follow_up", target, csrf)
        try:
            cases.follow_up(engine, rules, target, by=who.name, how=how, outcome=outcome, reached=reached == "on",
                            now=datetime.now(UTC))
        except cases.CaseError as exc:
            guard.audit(request, who.name, "case_follow_up", target, "refused:input")
            return page(request, 422, str(exc))
        guard.audit(request, who.name, "case_follow_up", target, "ok")
        return RedirectResponse(f"/cases#case-{quote(target)}", status_code=303)

    return router
