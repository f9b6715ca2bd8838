"""The public progress page a receipt's QR opens: state only, no personal data, no login, rate-limited.

The address carries the receipt's signed token (protocol/receipt_token.py); the page verifies it
with central's key first, so only someone holding the receipt sees anything, and a guessed number
shows nothing. It says the item, the state in words, the day the application was made and
when it last changed: never a name, an ID or a reason (the reason may speak of the person; the
terminal's progress query shows it to whoever stands there with the receipt).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from central.auth.security import Guard
from central.dashboard.render import lang_of, render
from central.platform import progress
from domain.catalog import Catalog
from domain.lifecycle import STATE_NAMES, State
from protocol.ratelimit import RateLimit
from protocol.receipt_token import MAX_TOKEN, TokenError, verify

BURST, REFILL_SECONDS = 20, 3.0  # per client address: twenty pages at once, then one every 3 s


def public_routes(engine: Engine, central: ed25519.Ed25519PublicKey, catalog: Catalog | None) -> APIRouter:
    """Return the public progress page (tokens verified with ``central``; items named from ``catalog``)."""
    router = APIRouter(include_in_schema=False)
    limit = RateLimit(BURST, REFILL_SECONDS)

    @router.get("/p/{token}", response_class=HTMLResponse)
    def progress_page(request: Request, token: str) -> HTMLResponse:
        """Show where the receipt's application stands, or why the page cannot say."""
        if not limit.allow(Guard.address(request)):
            return render(request, "public_progress.html", None, 429, problem="busy")
        try:
            verified = verify(token[:MAX_TOKEN + 1], central)
        except TokenError:
            return render(request, "public_progress.html", None, 404, problem="unverified")
        found = progress.by_number(engine, verified.number)
        if found is None:
            return render(request, "public_progress.html", None, 200, problem="not_yet", number=verified.number)
        lang = lang_of(request)
        return render(request, "public_progress.html", None, number=found.number,
                      item=_item(catalog, found.item, lang), state=_state(found.state, lang),
                      submitted=found.submitted, changed=found.changed[:10], problem="")

    return router


def _state(code: str, lang: str) -> str:
    """Return a state in the citizen's words (its code if this release does not know it)."""
    try:
        name = STATE_NAMES[State(code)]
    except (ValueError, KeyError):
        return code
    return name.zh if lang == "zh" else name.en


def _item(catalog: Catalog | None, code: str, lang: str) -> str:
    """Return an item's or bundle's name (its code when the catalog does not know it)."""
    if catalog is None or (code not in catalog.items and code not in catalog.bundles):
        return code
    name = catalog.offering(code).name
    return name.zh if lang == "zh" else name.en
