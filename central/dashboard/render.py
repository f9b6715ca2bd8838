"""Templates with the page's language, the operator and the helpers every page uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from central.auth.accounts import Operator
from central.auth.security import LANG_COOKIE
from central.dashboard import words

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
SECURITY_HEADERS = {  # on every response: nothing loads from elsewhere, nothing frames it, no referrer leaves
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def lang_of(request: Request) -> words.Lang:
    """Return the language of this request's pages."""
    return words.pick(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


POLL_SECONDS = 3  # how often an open page refreshes its live part
STALE = timedelta(seconds=30)  # a snapshot older than this means the monitor's flushes have stopped


def trust(request: Request, now: datetime) -> dict[str, datetime | None]:
    """Return since when the states shown are not current: the monitor cannot hear, or stopped flushing."""
    monitor = getattr(request.app.state, "monitor", None)
    if monitor is None:
        return {"blind_since": None, "stale_since": None}
    at = monitor.snapshot_at
    return {"blind_since": monitor.blind_since(now), "stale_since": at if at and now - at > STALE else None}


def render(request: Request, template: str, who: Operator | None, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language."""
    lang = lang_of(request)
    now = datetime.now(UTC)
    helpers = {"_": words.translator(lang), "word": partial(words.word, lang=lang),
               "reason": partial(words.reason, lang=lang), "ago": partial(words.when, now=now, lang=lang),
               "span": partial(words.span, lang=lang), "local": words.local_time}
    page = {"lang": lang, "who": who, "now": now, "poll": POLL_SECONDS, **helpers, **trust(request, now), **context}
    return TEMPLATES.TemplateResponse(request, template, page, status_code=status)
