"""The fleet monitor's web server: the JSON API, /metrics, and the dashboard's pages, behind one login."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from central.dashboard.actions import action_routes, login_routes
from central.dashboard.pages import page_routes
from central.dashboard.render import render
from central.dashboard.security import Guard, LoginRequired, Refused
from central.fleet.alerts import AlertBook
from central.fleet.api import create_app as create_api
from central.fleet.monitor import FleetMonitor

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    """Return whether a request is for the JSON API (answered in JSON, never redirected)."""
    return request.url.path.startswith("/api/")


def create_app(monitor: FleetMonitor, book: AlertBook, guard: Guard) -> FastAPI:
    """Build the whole web server over a running monitor."""
    app = create_api(monitor, book, guard)
    app.state.monitor = monitor  # pages say when what they show is not current
    app.include_router(login_routes(guard))
    app.include_router(page_routes(monitor, book, guard))
    app.include_router(action_routes(monitor, book, guard))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "log in first (POST /login)"}, status_code=401)
        target = f"/login?next={request.url.path}"
        if request.headers.get("hx-request") == "true":  # a poll after the session expired: the whole page goes
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": f"refused: {exc.why}"}, status_code=403)
        return render(request, "refused.html", guard.operator(request), status=403, why=exc.why)

    @app.exception_handler(DBAPIError)
    def database_down(request: Request, exc: DBAPIError) -> Response:
        log.warning("central's database refused a dashboard request: %s", type(exc.orig).__name__)
        if _is_api(request):
            return JSONResponse({"detail": "central's database is not answering; try again shortly"}, status_code=503,
                                headers={"Retry-After": "10"})
        if request.headers.get("hx-request") == "true":  # a poll: keep polling, and say why nothing updates
            return render(request, "_unavailable.html", None)
        return render(request, "unavailable.html", None, status=503)

    @app.exception_handler(HTTPException)
    def missing(request: Request, exc: HTTPException) -> Response:
        if _is_api(request) or exc.status_code != 404:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return render(request, "missing.html", guard.operator(request), status=404, what=str(exc.detail))

    return app
