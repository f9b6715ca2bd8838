"""Remote commands from the dashboard: a form, a confirmation page that names every target, then the rollout.

Operators only, with the session's CSRF token on both steps; the request and every outcome are
in the audit log (central/platform/commands.py). The terminal page and the commands page poll
the commands' states, which only the terminals move on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from central.auth.security import FormToken, Guard
from central.dashboard.render import render
from central.platform import commands
from protocol.kinds import OPS_KINDS

KINDS = OPS_KINDS
TEXT_MAX = 200


@dataclass(frozen=True)
class Asked:
    """The command form, as posted."""

    kind: str
    target: str
    zh: str
    en: str
    urgent: bool
    hours: int
    rate: int
    abort_pct: int

    def request(self, by: str, address: str) -> commands.Request:
        """Return the rollout request (a notice carries its texts; other kinds take no arguments)."""
        texts = (("zh", self.zh), ("en", self.en)) if self.kind == "notice" else ()
        args = {name: text for name, text in texts if text}
        return commands.Request(self.kind, self.target, by, args, self.urgent, timedelta(hours=self.hours),
                                self.rate, self.abort_pct, address)


def _asked(*, kind: Annotated[str, Form(max_length=32)], target: Annotated[str, Form(max_length=80)],
           zh: Annotated[str, Form(max_length=TEXT_MAX)] = "", en: Annotated[str, Form(max_length=TEXT_MAX)] = "",
           urgent: Annotated[str, Form(max_length=8)] = "", hours: Annotated[int, Form(ge=1, le=720)] = 24,
           rate: Annotated[int, Form(ge=0, le=100_000)] = 0,
           abort_pct: Annotated[int, Form(ge=0, le=100)] = 100) -> Asked:
    """Read and bound the command form (the rollout checks the rest)."""
    return Asked(kind, target, zh, en, urgent == "on", hours, rate, abort_pct)


Posted = Annotated[Asked, Depends(_asked)]


def _back(target: str, rollout: str | None = None) -> str:
    """Return the page to go back to: the terminal's, or the commands page."""
    scope, _, value = target.partition(":")
    if scope == "terminal":
        return f"/terminals/{quote(value)}"
    return f"/commands?rollout={rollout}" if rollout else "/commands"


def command_routes(engine: Engine, guard: Guard) -> APIRouter:
    """Return the commands page, the confirmation step and the send."""
    router = APIRouter(include_in_schema=False)

    @router.get("/commands", response_class=HTMLResponse)
    @router.get("/fragments/commands", response_class=HTMLResponse)
    def page(request: Request, rollout: str = "") -> HTMLResponse:
        """Show the latest rollouts counted by state (and one rollout's commands), with the form for operators."""
        template = "_commands.html" if request.url.path.startswith("/fragments/") else "commands.html"
        return render(request, template, guard.viewer(request), rollouts=commands.rollouts(engine),
                      rollout=rollout[:32], rows=commands.listing(engine, rollout=rollout[:32]) if rollout else [],
                      kinds=KINDS)

    @router.post("/commands/confirm", response_class=HTMLResponse)
    def confirm(request: Request, asked: Posted, csrf: FormToken = None) -> Response:
        """Name the targets and ask the operator to confirm (nothing is sent yet)."""
        who = guard.actor(request, "command", asked.target, csrf)
        try:
            commands.check(asked.request(who.name, guard.address(request)), datetime.now(UTC))
            count = commands.count_targets(engine, asked.target)
        except commands.CommandRequestError as exc:
            return render(request, "command_confirm.html", who, 422, asked=asked, error=str(exc), count=0)
        return render(request, "command_confirm.html", who, asked=asked, error=None, count=count)

    @router.post("/commands")
    def send(request: Request, asked: Posted, csrf: FormToken = None) -> Response:
        """Record the confirmed rollout; `central serve` delivers it."""
        who = guard.actor(request, "command", asked.target, csrf)
        try:
            rollout, _ = commands.create(engine, asked.request(who.name, guard.address(request)), datetime.now(UTC))
        except commands.CommandRequestError as exc:
            return render(request, "command_confirm.html", who, 422, asked=asked, error=str(exc), count=0)
        return RedirectResponse(_back(asked.target, rollout), status_code=303)

    return router
