"""The dashboard's pages: overview, terminal detail, alerts, halls, audit; each with a fragment htmx polls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from central.auth.security import Guard, Refused
from central.dashboard import charts, views
from central.dashboard.commanding import KINDS
from central.dashboard.render import lang_of, render
from central.dashboard.words import translator
from central.monitor import alertdb, technicians
from central.monitor.alerts import AlertBook
from central.monitor.history import RESOLUTIONS
from central.monitor.monitor import FleetMonitor
from central.monitor.rows import State
from central.platform import commands, queries

AUDIT_PAGE = 200  # audit lines per page
Window = Literal["1h", "24h", "7d"]
Filter = Annotated[str, Query(max_length=64)]  # an overview filter: a hall, a site type, a state or a search


def _template(request: Request, page: str) -> str:
    """Return the whole page's template, or its live part's when htmx polls the fragment path."""
    return f"_{page}.html" if request.url.path.startswith("/fragments/") else f"{page}.html"


def _charts(monitor: FleetMonitor, terminal: str, window: str, _: Callable[[str], str]) -> dict[str, Any]:
    """Return the availability and backlog charts of one terminal over ``window``, and its state changes."""
    now = datetime.now(UTC)
    resolution, span, label = views.WINDOWS[window]
    slot = RESOLUTIONS[resolution].slot
    frame = charts.Window(now - span, now, slot)
    points = views.history(monitor, terminal, window, now)
    return {"availability": charts.availability(points, frame, _("Availability"), label),
            "backlog": charts.backlog(points, frame, _("Outbox backlog"), label),
            "changes": views.changes(points, slot, now)}


def page_routes(monitor: FleetMonitor, book: AlertBook, guard: Guard) -> APIRouter:
    """Return the routes of every page and fragment."""
    router = APIRouter(include_in_schema=False)
    _overview_pages(router, monitor, book, guard)
    _terminal_pages(router, monitor, guard)
    _alert_pages(router, book, guard)
    _hall_pages(router, views.Halls(monitor), guard)
    _audit_page(router, guard)
    return router


def _overview_pages(router: APIRouter, monitor: FleetMonitor, book: AlertBook, guard: Guard) -> None:
    """Add the overview: every terminal, needing action first, with filters."""
    @router.get("/", response_class=HTMLResponse)
    @router.get("/fragments/overview", response_class=HTMLResponse)
    def overview(request: Request, hall: Filter = "", site: Filter = "", state: Filter = "",
                 q: Filter = "") -> HTMLResponse:
        """Show the counts and the terminals that pass the filters."""
        filters = views.Filters(hall=hall, site=site, state=state, q=q)
        return render(request, _template(request, "overview"), guard.viewer(request), filters=filters,
                      view=views.overview(monitor, book, filters), states=tuple(State))


def _terminal_pages(router: APIRouter, monitor: FleetMonitor, guard: Guard) -> None:
    """Add one terminal's detail: its state, components, facts, charts, alerts and help requests."""
    @router.get("/terminals/{terminal}", response_class=HTMLResponse)
    @router.get("/fragments/terminals/{terminal}", response_class=HTMLResponse)
    def terminal(request: Request, terminal: str, window: Window = "24h") -> HTMLResponse:
        """Show one terminal over a chart window."""
        who = guard.viewer(request)
        row = monitor.row(terminal)
        if row is None:
            raise HTTPException(404, terminal)
        return render(request, _template(request, "terminal"), who, row=row, beat=monitor.beat(terminal),
                      window=window, windows=views.WINDOW_NAMES,
                      alerts=alertdb.read(monitor.engine, terminal, limit=20),
                      help=queries.help_requests(monitor.engine, 20, terminal=terminal),
                      commands=commands.listing(monitor.engine, terminal=terminal, limit=10), kinds=KINDS,
                      technician=technicians.actions_at(monitor.engine, terminal, limit=10),
                      charts=_charts(monitor, terminal, window, translator(lang_of(request))))


def _alert_pages(router: APIRouter, book: AlertBook, guard: Guard) -> None:
    """Add the live and the recently resolved alerts."""
    @router.get("/alerts", response_class=HTMLResponse)
    @router.get("/fragments/alerts", response_class=HTMLResponse)
    def alerts(request: Request, show: Literal["live", "resolved"] = "live") -> HTMLResponse:
        """Show the live alerts, or the recently resolved ones."""
        return render(request, _template(request, "alerts"), guard.viewer(request), rows=views.alerts(book, show),
                      show=show)


def _hall_pages(router: APIRouter, figures: views.Halls, guard: Guard) -> None:
    """Add each hall's availability now, over a day and over a week."""
    @router.get("/halls", response_class=HTMLResponse)
    @router.get("/fragments/halls", response_class=HTMLResponse)
    def halls(request: Request) -> HTMLResponse:
        """Show one row per hall."""
        return render(request, _template(request, "halls"), guard.viewer(request), halls=figures.rows(),
                      columns=views.HALL_COLUMNS)


def _audit_page(router: APIRouter, guard: Guard) -> None:
    """Add the audit log (admins only)."""
    @router.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, user: str = Query("", max_length=64), before: int | None = None) -> HTMLResponse:
        """Show one page of the audit log, newest first, of one user or all."""
        who = guard.viewer(request)
        if not who.may("admin"):
            guard.audit(request, who.name, "read_audit", "-", "refused:role")
            raise Refused("role")
        rows = guard.accounts.audit(AUDIT_PAGE, user or None, before)
        return render(request, "audit.html", who, rows=rows, user=user,
                      older=rows[-1]["n"] if len(rows) == AUDIT_PAGE else None)
