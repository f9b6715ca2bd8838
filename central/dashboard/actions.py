"""What ops do from the dashboard: log in and out, choose the language, acknowledge and resolve, mark help handled.

Every action is audited with who, what, when, from where and the outcome. A browser without
JavaScript gets a redirect back to the page (post/redirect/get); htmx gets the live part.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central.auth.accounts import SESSION_TTL
from central.auth.security import LANG_COOKIE, LOGIN_COOKIE, SESSION_COOKIE, FormToken, Guard, HeaderToken
from central.dashboard import views
from central.dashboard.render import render
from central.dashboard.words import LANGS
from central.monitor.alerts import AlertBook
from central.monitor.monitor import FleetMonitor

log = logging.getLogger(__name__)
NAME_MAX, PASSWORD_MAX = 64, 256


def _local(target: str) -> str:
    """Return ``target`` if it is a path on this site, else the overview (no open redirect)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def login_routes(guard: Guard) -> APIRouter:
    """Return the login, logout and language routes."""
    router = APIRouter(include_in_schema=False)

    def form(request: Request, status: int = 200, error: str | None = None, retry: int = 0,
             next_: str = "/") -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", None, status, login_csrf=token, error=error, retry=retry,
                          next=_local(next_))
        guard.set_cookie(response, LOGIN_COOKIE, token, max_age=3600)
        if retry:
            response.headers["Retry-After"] = str(retry)
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return form(request, next_=next)

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
        now, address = datetime.now(UTC), guard.address(request)
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
            log.info("login form without its token from %s (expired, or posted from elsewhere)", address)
            return form(request, 403, "expired", next_=next)
        retry = guard.throttle.begin(name, address, now)
        if retry:
            log.info("login attempt refused for %s s: too many failures (name or address %s)", retry, address)
            return form(request, 429, "throttled", retry, next_=next)
        too_long = len(name) > NAME_MAX or len(password) > PASSWORD_MAX  # never hashed: a failed attempt
        started = None if too_long else guard.accounts.login(name, password, now)
        if started is None:
            guard.audit(request, name[:NAME_MAX], "login", name[:NAME_MAX], "failed")
            return form(request, 401, "wrong", next_=next)
        guard.throttle.succeeded(name, address, now)
        token, who = started
        guard.audit(request, who.name, "login", who.name, "ok")
        response = RedirectResponse(_local(next), status_code=303)
        guard.set_cookie(response, SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()), samesite="lax")
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    def logout(request: Request, csrf: FormToken = None, header: HeaderToken = None) -> Response:
        who = guard.actor(request, "logout", "-", csrf or header, role="viewer")
        guard.accounts.logout(request.cookies.get(SESSION_COOKIE, ""))
        guard.audit(request, who.name, "logout", who.name, "ok")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/lang/{lang}")
    def language(request: Request, lang: str, next: str = "/") -> Response:
        if lang not in LANGS:
            raise HTTPException(404, lang)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/",
                            secure=guard.secure_cookies)
        return response

    return router


def action_routes(monitor: FleetMonitor, book: AlertBook, guard: Guard) -> APIRouter:
    """Return the alert and help-request actions."""
    router = APIRouter(include_in_schema=False)

    def act(request: Request, action: str, target: str, *, token: str | None, do: Callable[[str, datetime], object],
            after: str) -> Response:
        who = guard.actor(request, action, target, token)
        try:
            do(who.name, datetime.now(UTC))
        except KeyError:
            guard.audit(request, who.name, action, target, "gone")
            raise HTTPException(404, "no live alert of that rule on that terminal") from None
        guard.audit(request, who.name, action, target, "ok")
        if request.headers.get("hx-request") == "true":
            show = "resolved" if request.query_params.get("show") == "resolved" else "live"
            return render(request, "_alerts.html", who, rows=views.alerts(book, show), show=show)
        return RedirectResponse(_local(after), status_code=303)

    @router.post("/alerts/{rule}/{terminal}/acknowledge")
    def acknowledge(request: Request, rule: str, terminal: str, csrf: FormToken = None,
                    header: HeaderToken = None) -> Response:
        return act(request, "acknowledge", f"{rule}/{terminal}", token=csrf or header,
                   do=lambda by, now: book.acknowledge(rule, terminal, by, now), after="/alerts")

    @router.post("/alerts/{rule}/{terminal}/resolve")
    def resolve(request: Request, rule: str, terminal: str, csrf: FormToken = None,
                header: HeaderToken = None) -> Response:
        def do(by: str, now: datetime) -> None:
            book.resolve(rule, terminal, by, now)
            if rule == "help_request":
                monitor.handle_help(terminal, by, now)
        return act(request, "resolve", f"{rule}/{terminal}", token=csrf or header, do=do, after="/alerts")

    @router.post("/terminals/{terminal}/help-handled")
    def help_handled(request: Request, terminal: str, csrf: FormToken = None,
                     header: HeaderToken = None) -> Response:
        def do(by: str, now: datetime) -> None:
            if monitor.row(terminal) is None:  # looked up only once the session may act: no probing for ids
                raise KeyError(terminal)
            monitor.handle_help(terminal, by, now)
        return act(request, "help_handled", terminal, token=csrf or header, do=do,
                   after=f"/terminals/{quote(terminal)}")

    return router
