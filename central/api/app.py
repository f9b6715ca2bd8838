"""The fleet monitor's HTTP JSON API and Prometheus metrics (FastAPI; OpenAPI at /openapi.json, to a session).

Read endpoints serve the monitor's last flush (a few seconds old at most, so a request never
assesses 10 000 terminals itself); history comes from the monitor's series; acknowledging and
resolving act on its alert book. Every route but /metrics needs an ops session (the dashboard's
login); actions need the operator role and the session's CSRF token in ``X-CSRF-Token`` (a script
logs in at /login and reads its token from /api/session), and are audited. Metrics keep label
cardinality bounded (states, halls and rules, never a label per terminal) and hold no personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Security
from fastapi.responses import PlainTextResponse
from fastapi.security import APIKeyCookie
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from pydantic import BaseModel, ConfigDict

from central.auth.accounts import Operator
from central.auth.security import CSRF_HEADER, SESSION_COOKIE, Guard
from central.monitor.alerts import AlertBook
from central.monitor.history import RESOLUTIONS
from central.monitor.monitor import FleetMonitor
from central.monitor.order import URGENT, Key, cursor, key_of
from central.monitor.rows import State, TerminalStatus

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such terminal, or no live alert of that rule"}}
NO_ALERT = "no live alert of that rule on that terminal"
PAGE, MAX_PAGE = 500, 2_000  # terminals per page of /api/terminals: by default, at most
CURSOR = r"^[0-9]{1,2}\.[0-9A-Z]{4,12}$"  # a page's `next`: the place and id of its last terminal


class TerminalRow(BaseModel):
    """One terminal in the overview."""

    model_config = ConfigDict(from_attributes=True)  # built from the monitor's rows

    terminal: str
    hall: str
    site: str
    state: State
    reasons: list[str]
    last_heartbeat: str | None
    backlog: int | None
    oldest_unsynced_s: float | None
    changed_at: str


class HallRow(BaseModel):
    """One hall: how many of its terminals can take applications (the figure a hall director asks for)."""

    model_config = ConfigDict(from_attributes=True)  # built from the monitor's counts

    hall: str
    total: int
    available: int
    by_state: dict[str, int]


class Overview(BaseModel):
    """The fleet at a glance: counts, halls, and the terminals needing action with the reason."""

    at: str | None
    blind_since: str | None  # set: the monitor cannot hear the fleet (no broker, or just reconnected)
    total: int
    by_state: dict[str, int]
    alerts_live: int
    halls: list[HallRow]
    needing_action: list[TerminalRow]


class TerminalPage(BaseModel):
    """One page of terminals, needing action first, and the cursor of the next page (None: the last page)."""

    terminals: list[TerminalRow]
    next: str | None


class Point(BaseModel):
    """One slot of a terminal's history."""

    at: str
    state: State
    available_pct: float
    backlog: int | None


class HelpHandled(BaseModel):
    """How many waiting help requests were marked handled."""

    handled: int


class TerminalDetail(TerminalRow):
    """One terminal with its latest heartbeat."""

    heartbeat: dict[str, Any] | None


class AlertRow(BaseModel):
    """One alert."""

    rule: str
    terminal: str
    severity: str
    state: Literal["open", "acknowledged", "resolved"]
    opened_at: str
    acknowledged_by: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    resolved_by: str | None


class Session(BaseModel):
    """Who is logged in, and the token their actions carry."""

    user: str
    role: str
    csrf: str


def _alert(alert: Any) -> AlertRow:
    """Convert an Alert."""
    return AlertRow(rule=alert.rule, terminal=alert.terminal, severity=alert.severity, state=alert.state.value,
                    opened_at=alert.opened_at.isoformat(), acknowledged_by=alert.acknowledged_by,
                    acknowledged_at=alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
                    resolved_at=alert.resolved_at.isoformat() if alert.resolved_at else None,
                    resolved_by=alert.resolved_by)


class _Families:
    """One scrape's metric families, built from the monitor's last flush (bounded labels: state, hall, rule)."""

    def __init__(self, monitor: FleetMonitor, book: AlertBook) -> None:
        """Remember what to read."""
        self.monitor, self.book = monitor, book

    def collect(self) -> Iterator[Metric]:
        """Yield every family (prometheus_client's collector protocol)."""
        monitor = self.monitor
        counts = monitor.ordered().counts  # kept by the monitor's flush: a scrape reads a few numbers
        terminals = GaugeMetricFamily("yichuang_terminals", "Terminals by state and hall", labels=["state", "hall"])
        for hall in sorted(counts.halls, key=lambda h: h.hall or "-"):
            for state, count in sorted(hall.by_state.items()):
                terminals.add_metric([state.value, hall.hall or "-"], count)
        yield terminals
        alerts = GaugeMetricFamily("yichuang_alerts_open", "Open or acknowledged alerts by rule", labels=["rule"])
        for rule, count in sorted(self.book.open_by_rule().items()):
            alerts.add_metric([rule], count)
        yield alerts
        yield GaugeMetricFamily("yichuang_outbox_backlog", "Entries waiting for central, all terminals",
                                value=counts.backlog)
        hearing = monitor.blind_since(datetime.now(UTC)) is None
        yield GaugeMetricFamily("yichuang_monitor_hearing", "1 when the monitor hears the fleet (broker connected, "
                                "settled), 0 when silence proves nothing", value=hearing)
        yield GaugeMetricFamily("yichuang_monitor_database_ok", "1 when central's database takes the monitor's "
                                "writes, 0 while it works from memory", value=monitor.database_down_since is None)
        yield CounterMetricFamily("yichuang_heartbeats", "Heartbeats received", value=monitor.heartbeats)
        yield CounterMetricFamily("yichuang_telemetry_refused", "Telemetry and presence messages refused as garbage",
                                  value=monitor.garbage)
        yield CounterMetricFamily("yichuang_ingest_messages", "Messages central stored (seen by the monitor)",
                                  value=monitor.ingested)


def render_metrics(monitor: FleetMonitor, book: AlertBook) -> bytes:
    """Render the metrics for one scrape."""
    registry = CollectorRegistry()
    registry.register(_Families(monitor, book))
    return generate_latest(registry)


OPENAPI = "/openapi.json"
COOKIE = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="The ops session (log in at /login)")


def _guard(request: Request) -> Guard:
    """Return the guard the app was built with."""
    guard: Guard = request.app.state.guard
    return guard


def _reader(request: Request, _: Annotated[str | None, Security(COOKIE)] = None) -> Operator:
    """Return the logged-in operator (any role) or refuse with 401."""
    return _guard(request).viewer(request)


def _target(request: Request) -> tuple[str, str]:
    """Return the action and target an API call names (for the audit log)."""
    action = request.url.path.rsplit("/", 1)[-1].replace("-", "_")
    return action, "/".join(request.path_params[k] for k in ("rule", "terminal") if k in request.path_params)


def _actor(request: Request, _: Annotated[str | None, Security(COOKIE)] = None,
           token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None) -> Operator:
    """Return the operator allowed to act (operator role, the session's CSRF token), auditing a refusal."""
    return _guard(request).actor(request, *_target(request), token)


def _gone(request: Request, who: Operator, detail: str) -> HTTPException:
    """Audit an action on something that is not there, and return the 404 to raise."""
    _guard(request).audit(request, who.name, *_target(request), "gone")
    return HTTPException(404, detail)


Reader = Annotated[Operator, Depends(_reader)]
Acting = Annotated[Operator, Depends(_actor)]


def metrics_app(monitor: FleetMonitor, book: AlertBook) -> FastAPI:
    """Build an app serving only /metrics (for a listener of its own, away from the dashboard's proxy)."""
    app = FastAPI(title="Yichuang fleet metrics", docs_url=None, redoc_url=None, openapi_url=None)
    _metrics_route(app, monitor, book)
    return app


def _metrics_route(app: FastAPI, monitor: FleetMonitor, book: AlertBook) -> None:
    """Add /metrics."""
    @app.get("/metrics", response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics (bounded labels: state, hall, rule; no personal data)."""
        return PlainTextResponse(render_metrics(monitor, book).decode(), media_type="text/plain; version=0.0.4")


def create_app(monitor: FleetMonitor, book: AlertBook, guard: Guard, *, metrics: bool = True) -> FastAPI:
    """Build the API over a running monitor and its alert book; ``guard`` says who may read and act.

    ``metrics`` False leaves /metrics out (it is then served on a listener of its own).
    """
    app = FastAPI(title="Yichuang fleet monitor", version="1", docs_url=None, redoc_url=None,  # no CDN pages
                  openapi_url=None)  # served below, to a session only
    app.state.guard = guard
    router = APIRouter(dependencies=[Depends(_reader)])

    @app.get("/api/session")
    def session(request: Request, _: Annotated[str | None, Security(COOKIE)] = None) -> Session:
        """The logged-in user (any role), their role, and the CSRF token their actions carry."""
        who = guard.viewer(request, fleet=False)
        return Session(user=who.name, role=who.role, csrf=who.csrf)

    @router.get(OPENAPI, include_in_schema=False)
    def openapi() -> dict[str, Any]:
        """The API's OpenAPI description."""
        return app.openapi()

    _fleet_routes(router, monitor, book)
    _terminal_routes(router, monitor, guard)
    _alert_routes(router, monitor, book, guard)
    app.include_router(router)
    if metrics:
        _metrics_route(app, monitor, book)
    return app


def _fleet_routes(app: APIRouter, monitor: FleetMonitor, book: AlertBook) -> None:
    """Add the overview and the terminal list."""
    @app.get("/api/overview")
    def overview(limit: int = Query(100, ge=0, le=10_000)) -> Overview:
        """Counts by state and hall, and the terminals needing action (at most ``limit``), worst first."""
        order = monitor.ordered()  # kept by the monitor's flush: a request only reads the first rows
        counts, (urgent, _) = order.counts, order.page(limit, before=URGENT)
        with book.lock:
            live = len(book.alerts)
        at = monitor.snapshot_at.isoformat() if monitor.snapshot_at else None
        blind = monitor.blind_since(datetime.now(UTC))
        return Overview(at=at, blind_since=blind.isoformat() if blind else None, total=counts.total,
                        by_state=counts.by_state, alerts_live=live,
                        halls=[HallRow.model_validate(h) for h in counts.halls],
                        needing_action=[TerminalRow.model_validate(r) for r in urgent])

    @app.get("/api/terminals")
    def terminals(hall: str | None = Query(None, max_length=64), site: str | None = Query(None, max_length=16),
                  state: State | None = None, limit: int = Query(PAGE, ge=1, le=MAX_PAGE, description=(
                      f"Terminals on this page (at most {MAX_PAGE:,})")),
                  after: str | None = Query(None, max_length=20, pattern=CURSOR, description=(
                      "The `next` of the previous page (absent: the first page)"))) -> TerminalPage:
        """List terminals a page at a time, needing action first; filter by hall, site or state.

        Follow `next` until it is null; a terminal that changes place between pages is listed where it stands.
        """
        def keep(row: TerminalStatus) -> bool:
            return (hall is None or row.hall == hall) and (site is None or row.site == site) and (
                state is None or row.state is state)
        start: Key | None = key_of(after) if after is not None else None
        rows, last = monitor.ordered().page(limit, after=start, keep=keep)
        return TerminalPage(terminals=[TerminalRow.model_validate(r) for r in rows],
                            next=cursor(last) if last is not None else None)


def _terminal_routes(app: APIRouter, monitor: FleetMonitor, guard: Guard) -> None:
    """Add one terminal's detail, history and help-request handling."""
    @app.get("/api/terminals/{terminal}", responses=NOT_FOUND)
    def terminal(terminal: str) -> TerminalDetail:
        """One terminal and its latest heartbeat."""
        row, beat = monitor.row(terminal), monitor.beat(terminal)
        if row is None:
            raise HTTPException(404, f"no terminal {terminal}")
        return TerminalDetail(**asdict(row), heartbeat=beat.model_dump() if beat is not None else None)

    @app.get("/api/terminals/{terminal}/history", responses=NOT_FOUND)
    def history(terminal: str, resolution: Literal["minute", "hour"] = "minute",
                hours: int = Query(24, ge=1, le=24 * 31)) -> list[Point]:
        """One terminal's state, availability and backlog over the last ``hours``, by the minute or the hour."""
        if monitor.history is None or terminal not in monitor.snapshot:
            raise HTTPException(404, f"no history of {terminal}")
        since = datetime.now(UTC) - timedelta(hours=min(hours, RESOLUTIONS[resolution].keep // timedelta(hours=1)))
        return [Point(**p) for p in monitor.history.series(terminal, resolution, since)]

    @app.post("/api/terminals/{terminal}/help-handled", responses=NOT_FOUND)
    def help_handled(request: Request, terminal: str, who: Acting) -> HelpHandled:
        """Say the citizens who called for help at this terminal have been attended to."""
        if monitor.row(terminal) is None:
            raise _gone(request, who, f"no terminal {terminal}")
        handled = monitor.handle_help(terminal, who.name, datetime.now(UTC))
        guard.audit(request, who.name, "help_handled", terminal, "ok")
        return HelpHandled(handled=handled)


def _alert_routes(app: APIRouter, monitor: FleetMonitor, book: AlertBook, guard: Guard) -> None:
    """Add the alert list and the acknowledge and resolve actions."""
    @app.get("/api/alerts")
    def alerts(state: Literal["live", "resolved"] = "live") -> list[AlertRow]:
        """Live alerts (open and acknowledged), or the recently resolved ones."""
        with book.lock:
            chosen = list(book.alerts.values()) if state == "live" else list(book.history)
        return [_alert(a) for a in chosen]

    @app.post("/api/alerts/{rule}/{terminal}/acknowledge", responses=NOT_FOUND)
    def acknowledge(request: Request, rule: str, terminal: str, who: Acting) -> AlertRow:
        """Say someone is on it (stops re-notification)."""
        try:
            alert = book.acknowledge(rule, terminal, who.name, datetime.now(UTC))
        except KeyError:
            raise _gone(request, who, NO_ALERT) from None
        guard.audit(request, who.name, "acknowledge", f"{rule}/{terminal}", "ok")
        return _alert(alert)

    @app.post("/api/alerts/{rule}/{terminal}/resolve", responses=NOT_FOUND)
    def resolve(request: Request, rule: str, terminal: str, who: Acting) -> AlertRow:
        """Close an alert by hand; resolving a help request's alert marks the requests handled."""
        now = datetime.now(UTC)
        try:
            alert = book.resolve(rule, terminal, who.name, now)
        except KeyError:
            raise _gone(request, who, NO_ALERT) from None
        if rule == "help_request":
            monitor.handle_help(terminal, who.name, now)
        guard.audit(request, who.name, "resolve", f"{rule}/{terminal}", "ok")
        return _alert(alert)
