"""The back office's API: an application's change of state (its own ``backoffice`` role), and its history.

``POST /api/applications/{ref}/status`` with ``{"state": …, "reason": …, "owed": […]}`` and the
session's CSRF token in ``X-CSRF-Token``; ``ref`` is the receipt number or the application id. A
change the lifecycle forbids is a 409 with the reason; every change and every refusal is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Path, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import Engine

from central.auth.security import CSRF_HEADER, Guard
from central.platform import status
from domain.application import DEFAULT_SUPPLEMENT_DAYS
from domain.calendar import WorkingCalendar

Ref = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
CsrfToken = Annotated[str | None, Header(alias=CSRF_HEADER)]
CHANGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not the back office's role, or no CSRF token"},
    409: {"description": "No such application at central, or a change its lifecycle forbids (the reason says)"}}
HISTORY_ANSWERS: dict[int | str, dict[str, Any]] = {404: {"description": "No such application at central"}}


class Asked(BaseModel):
    """A change of state, as posted."""

    model_config = ConfigDict(extra="forbid")

    state: Annotated[str, StringConstraints(max_length=24)]
    reason: Annotated[str, StringConstraints(max_length=status.MAX_REASON)] = ""
    owed: Annotated[list[Annotated[str, StringConstraints(max_length=40)]], Field(max_length=20)] = []
    days: Annotated[int, Field(ge=1, le=status.MAX_SUPPLEMENT_DAYS)] = DEFAULT_SUPPLEMENT_DAYS


class Changed(BaseModel):
    """The application's state after the change."""

    application: str
    state: str


def backoffice_routes(engine: Engine, guard: Guard, calendar: WorkingCalendar | None = None) -> APIRouter:
    """Return the back office's routes (a supplement's deadline counted on ``calendar``: the newest catalog's)."""
    router = APIRouter()

    @router.post("/api/applications/{ref}/status", responses=CHANGE_ANSWERS)
    def change(request: Request, ref: Ref, asked: Asked, token: CsrfToken = None) -> Changed:
        """Change an application's state (the lifecycle decides what may follow what); its terminal is told."""
        who = guard.actor(request, "status", ref, token, role="backoffice")
        try:
            done = status.change(engine, status.Change(ref, asked.state, who.name, asked.reason, tuple(asked.owed),
                                                       guard.address(request), asked.days), datetime.now(UTC),
                                 calendar)
        except status.StatusError as exc:
            guard.audit(request, who.name, "status", ref, "refused")
            raise HTTPException(409, str(exc)) from None
        return Changed(application=ref, state=done.value)

    @router.get("/api/applications/{ref}/history", responses=HISTORY_ANSWERS)
    def history(request: Request, ref: Ref) -> list[dict[str, Any]]:
        """An application's changes of state, oldest first (no personal data); any logged-in user."""
        guard.viewer(request, fleet=False)
        try:
            return status.history(engine, ref)
        except status.StatusError as exc:
            raise HTTPException(404, str(exc)) from None

    return router

