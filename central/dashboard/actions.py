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


def _login_form(request: Request, guard: Guard, status: int = 200, *, error: str | None = None, retry: int = 0,
                next_: str = "/") -> HTMLResponse:
    """Render the login form with a fresh login token (in a cookie and in the form), and why the last try failed."""
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status, login_csrf=token, error=error, retry=retry,
                      next=_local(next_))
    guard.set_cookie(response, LOGIN_COOKIE, token, max_age=3600)
    if retry:
        response.headers["Retry-After"] = str(retry)
    return response


def _log_in(request: Request, guard: Guard, *, name: str, password: str, csrf: str, next_: str) -> Response:
    """Check the form's token, the failure throttle and the password; start a session and go to ``next_``."""
    now, address = datetime.now(UTC), guard.address(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        log.info("login form without its token from %s (expired, or posted from elsewhere)", address)
        return _login_form(request, guard, 403, error="expired", next_=next_)
    retry = guard.throttle.begin(name, address, now)
    if retry:
        log.info("login attempt refused for %s s: too many failures (name or address %s)", retry, address)
        return _login_form(request, guard, 429, error="throttled", retry=retry, next_=next_)
    too_long = len(name) > NAME_MAX or len(password) > PASSWORD_MAX  # never hashed: a failed attempt
    started = None if too_long else guard.accounts.login(name, password, now)
    if started is None:
        guard.audit(request, name[:NAME_MAX], "login", name[:NAME_MAX], "failed")
        return _login_form(request, guard, 401, error="wrong", next_=next_)
    guard.throttle.succeeded(name, address, now)
    token, who = started
    guard.audit(request, who.name, "login", who.name, "ok")
    response = RedirectResponse(_local(next_), status_code=303)
    guard.set_cookie(response, SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()), samesite="lax")
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def login_routes(guard: Guard) -> APIRouter:
    """Return the login, logout and language routes."""
    router = APIRouter(include_in_schema=False)

    @router.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        """Show the login form."""
        return _login_form(request, guard, next_=next)

    @router.post("/login", response_class=HTMLResponse)
    def login(request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
              csrf: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
        """Log in with the form's name and password."""
        return _log_in(request, guard, name=name, password=password, csrf=csrf, next_=next)

    @router.post("/logout")
    def logout(request: Request, csrf: FormToken = None, header: HeaderToken = None) -> Response:
        """End the session and go to the login form."""
        who = guard.actor(request, "logout", "-", csrf or header, role=None)  # every role may leave
        guard.accounts.logout(request.cookies.get(SESSION_COOKIE, ""))
        guard.audit(request, who.name, "logout", who.name, "ok")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/lang/{lang}")
    def language(request: Request, lang: str, next: str = "/") -> Response:
        """Choose the pages' language (kept in a cookie) and go back to ``next``."""
        if lang not in LANGS:
            raise HTTPException(404, lang)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/",
                            secure=guard.secure_cookies)
        return response

    return router


def _act(request: Request, guard: Guard, book: AlertBook, action: str, target: str, *, token: str | None,
         do: Callable[[str, datetime], object], after: str) -> Response:
    """Run ``do`` as the operator allowed to act, audit it, and answer (htmx: the alerts; a browser: ``after``).

    ``do`` raises KeyError when its target is gone: a 404, audited as such.
    """
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


def action_routes(monitor: FleetMonitor, book: AlertBook, guard: Guard) -> APIRouter:
    """Return the alert and help-request actions."""
    router = APIRouter(include_in_schema=False)

    @router.post("/alerts/{rule}/{terminal}/acknowledge")
    def acknowledge(request: Request, rule: str, terminal: str, csrf: FormToken = None,
                    header: HeaderToken = None) -> Response:
        """Say someone is on an alert."""
        return _act(request, guard, book, "acknowledge", f"{rule}/{terminal}", token=csrf or header,
                    do=lambda by, now: book.acknowledge(rule, terminal, by, now), after="/alerts")

    @router.post("/alerts/{rule}/{terminal}/resolve")
    def resolve(request: Request, rule: str, terminal: str, csrf: FormToken = None,
                header: HeaderToken = None) -> Response:
        """Close an alert by hand; resolving a help request's alert marks the requests handled."""
        def do(by: str, now: datetime) -> None:
            """Resolve the alert, and mark a help request's handled."""
            book.resolve(rule, terminal, by, now)
            if rule == "help_request":
                monitor.handle_help(terminal, by, now)
        return _act(request, guard, book, "resolve", f"{rule}/{terminal}", token=csrf or header, do=do,
                    after="/alerts")

    @router.post("/terminals/{terminal}/help-handled")
    def help_handled(request: Request, terminal: str, csrf: FormToken = None,
                     header: HeaderToken = None) -> Response:
        """Say the citizens who called for help at a terminal have been attended to."""
        def do(by: str, now: datetime) -> None:
            """Mark the terminal's waiting help requests handled."""
            if monitor.row(terminal) is None:  # looked up only once the session may act: no probing for ids
                raise KeyError(terminal)
            monitor.handle_help(terminal, by, now)
        return _act(request, guard, book, "help_handled", terminal, token=csrf or header, do=do,
                    after=f"/terminals/{quote(terminal)}")

    return router
