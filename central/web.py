"""The fleet monitor's web server: the JSON API, /metrics, and the dashboard's pages, behind one login."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from central.api.app import OPENAPI
from central.api.app import create_app as create_api
from central.api.backoffice import backoffice_routes
from central.auth.security import Guard, LoginRequired, Refused
from central.dashboard.actions import action_routes, login_routes
from central.dashboard.casework import case_routes, default_rules
from central.dashboard.commanding import command_routes
from central.dashboard.pages import page_routes
from central.dashboard.public import public_routes
from central.dashboard.render import SECURITY_HEADERS, render
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor
from central.platform.cases import Rules
from domain.catalog import Catalog

STATIC = Path(__file__).parent / "dashboard" / "static"
log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    """Return whether a request is for the JSON API (answered in JSON, never redirected)."""
    return request.url.path.startswith("/api/") or request.url.path == OPENAPI


def _is_htmx(request: Request) -> bool:
    """Return whether htmx sent the request (a poll or an in-place action)."""
    return request.headers.get("hx-request") == "true"


def _page_of(request: Request) -> str:
    """Return the page a request belongs to (path and query): the page itself, not a fragment or an action."""
    if _is_htmx(request) and request.headers.get("hx-current-url"):
        url = urlsplit(request.headers["hx-current-url"])
        return url.path + (f"?{url.query}" if url.query else "")
    if request.method != "GET":
        return "/"
    path = request.url.path.removeprefix("/fragments")
    return path + (f"?{request.url.query}" if request.url.query else "")


def create_app(monitor: FleetMonitor, book: AlertBook, guard: Guard, *, metrics: bool = True,
               case_rules: Rules | None = None, vouching: ed25519.Ed25519PublicKey | None = None,
               catalog: Catalog | None = None) -> FastAPI:
    """Build the whole web server over a running monitor (``metrics`` False: /metrics is served elsewhere).

    With ``vouching`` (central's key that vouches for receipt keys) it also serves the public progress page, naming
    items from ``catalog``.
    """
    app = create_api(monitor, book, guard, metrics=metrics)
    app.state.monitor = monitor  # pages say when what they show is not current
    app.include_router(login_routes(guard))
    app.include_router(page_routes(monitor, book, guard))
    app.include_router(action_routes(monitor, book, guard))
    app.include_router(command_routes(monitor.engine, guard))
    app.include_router(backoffice_routes(monitor.engine, guard, catalog.calendar if catalog else None))
    app.include_router(case_routes(monitor.engine, guard, case_rules or default_rules()))
    if vouching is not None:
        app.include_router(public_routes(monitor.engine, vouching, catalog))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _session_handlers(app, guard)
    _failure_handlers(app, guard)
    _security_headers(app)
    return app


def _session_handlers(app: FastAPI, guard: Guard) -> None:
    """Answer a request without a session, or one the session may not make: JSON for the API, pages for people."""
    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        """Send a person to the login form (and back to this page after it); tell a script to log in."""
        if _is_api(request):
            return JSONResponse({"detail": "log in first (POST /login)"}, status_code=401)
        target = "/login?" + urlencode({"next": _page_of(request)})
        if _is_htmx(request):  # a poll or a click after the session expired: the whole page goes
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        """Say why the session may not do this (role, or a stale CSRF token: then reload the page)."""
        if _is_api(request):
            return JSONResponse({"detail": f"refused: {exc.why}"}, status_code=403)
        if _is_htmx(request) and exc.why == "csrf":  # a tab holding an older session's token: reload it
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        return render(request, "refused.html", guard.operator(request), status=403, why=exc.why)


def _failure_handlers(app: FastAPI, guard: Guard) -> None:
    """Answer a database outage, a malformed request and a missing page: JSON for the API, pages for people."""
    @app.exception_handler(DBAPIError)
    def database_down(request: Request, exc: DBAPIError) -> Response:
        """Say central's database is not answering, and retry."""
        log.warning("central's database refused a dashboard request: %s", type(exc.orig).__name__)
        if _is_api(request):
            return JSONResponse({"detail": "central's database is not answering; try again shortly"}, status_code=503,
                                headers={"Retry-After": "10"})
        if _is_htmx(request) and request.method == "GET":  # a poll: keep polling, and say why nothing updates
            return render(request, "_unavailable.html", None)
        if _is_htmx(request):  # a click: the page reloads into the retrying page below
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        return render(request, "unavailable.html", None, status=503, retry=_page_of(request))

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        """Name the values a request got wrong, without echoing them."""
        errors = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()]
        if _is_api(request):  # what was sent is not echoed (it may be a password)
            return JSONResponse({"detail": errors}, status_code=422)
        return render(request, "missing.html", guard.operator(request), status=400, bad=True,
                      what=", ".join(str(e["loc"][-1]) for e in errors if e["loc"]))

    @app.exception_handler(HTTPException)
    def missing(request: Request, exc: HTTPException) -> Response:
        """Answer an HTTP error; a person who asked for something that is not there gets a page saying so."""
        if _is_api(request) or exc.status_code != 404:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "missing.html", guard.operator(request), status=404, what=str(exc.detail))


def _security_headers(app: FastAPI) -> None:
    """Add the security headers to every response, keeping any a response sets itself."""
    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Set each security header the response does not have yet."""
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
