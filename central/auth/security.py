"""Who is asking and may they: session cookies, roles, CSRF tokens, and the audit of every action.

Pages and the JSON API share one guard. Reading needs a session (any role); every action
needs the operator role (or admin) and the session's CSRF token, in the ``X-CSRF-Token``
header or a ``csrf`` form field, compared in constant time. Refusals are audited too. The
session cookie is HttpOnly and SameSite=Lax (a link to an alert from the pager or chat opens
logged in; every change needs the token anyway), and Secure unless the deployment serves plain
HTTP on a private address (``secure_cookies`` off).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Form, Header, Request, Response

from central.auth.accounts import Accounts, Operator
from central.auth.throttle import LoginThrottle

SESSION_COOKIE = "yc_ops"
LOGIN_COOKIE = "yc_login"  # double-submit token of the login form (there is no session yet)
LANG_COOKIE = "yc_lang"
CSRF_HEADER = "X-CSRF-Token"
FormToken = Annotated[str | None, Form(alias="csrf")]  # the CSRF token as a form field …
HeaderToken = Annotated[str | None, Header(alias=CSRF_HEADER)]  # … or as the header htmx and scripts send


class LoginRequired(Exception):
    """No live session: pages send the browser to the login form, the API answers 401."""


class Refused(Exception):
    """The session may not do this (role or CSRF token): 403."""

    def __init__(self, why: str) -> None:
        """Say why, in words for the page."""
        super().__init__(why)
        self.why = why


@dataclass
class Guard:
    """Sessions, roles, CSRF and the audit log for one dashboard."""

    accounts: Accounts
    throttle: LoginThrottle
    secure_cookies: bool = True

    @staticmethod
    def address(request: Request) -> str:
        """Return the client's address (the proxy's view when uvicorn trusts forwarded headers)."""
        return request.client.host if request.client else "-"

    def operator(self, request: Request) -> Operator | None:
        """Return the session's operator, if the request carries a live session."""
        token = request.cookies.get(SESSION_COOKIE)
        return self.accounts.session(token, datetime.now(UTC)) if token else None

    def viewer(self, request: Request, *, fleet: bool = True) -> Operator:
        """Return the session's operator or ask for a login; ``fleet``: refuse a role that reads no fleet."""
        who = self.operator(request)
        if who is None:
            raise LoginRequired
        if fleet and not who.may("viewer"):  # the back office: its applications, not the fleet
            raise Refused("role")
        return who

    def actor(self, request: Request, action: str, target: str, token: str | None,
              role: str | None = "operator") -> Operator:
        """Return the user allowed to act (``role`` or above, None: any; the CSRF token), auditing a refusal."""
        who = self.viewer(request, fleet=False)
        why = None
        if not token or not hmac.compare_digest(token.encode(), who.csrf.encode()):
            why = "csrf"
        elif role is not None and not who.may(role):
            why = "role"
        if why is not None:
            self.audit(request, who.name, action, target, f"refused:{why}")
            raise Refused(why)
        return who

    def audit(self, request: Request, user: str, action: str, target: str, outcome: str) -> None:
        """Record one action in the audit log."""
        self.accounts.record(user, action, target, outcome=outcome, address=self.address(request),
                             now=datetime.now(UTC))

    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None,
                   samesite: Literal["lax", "strict"] = "strict") -> None:
        """Set a cookie the page's scripts cannot read (and, strict, that no link from elsewhere carries)."""
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite=samesite,
                            secure=self.secure_cookies, path="/")
