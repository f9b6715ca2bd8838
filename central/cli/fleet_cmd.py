"""`yichuang fleet …`: run the fleet monitor, or print the overview it keeps."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from central.cli.accounts_cmd import audit, user_group
from central.cli.command_cmd import command, commands_list
from central.cli.options import db_option, link_options, open_engine
from cmdline.base import emit, json_option, service_logging
from cmdline.formatting import plural, when
from cmdline.liveness import Liveness
from cmdline.signals import stop_on_signals
from protocol.address import parse_broker

if TYPE_CHECKING:
    import uvicorn
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from fastapi import FastAPI
    from sqlalchemy import Engine

    from central.monitor.alerts import AlertBook
    from central.monitor.history import History
    from central.monitor.monitor import FleetMonitor
    from central.monitor.rows import State, WrittenStatus
    from domain.catalog import Catalog

FLUSH_SECONDS = 5.0
SECRET_ENV = "YC_WEBHOOK_SECRET"  # noqa: S105 - the variable's name


def printable(text: str) -> str:
    """Return ``text`` with every control or format character escaped (``\\x1b``): nothing in it drives the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _render(rows: list[WrittenStatus], registered: int = 0) -> str:
    """Render the overview: terminals needing action first, with the reason in words."""
    if not rows and registered:
        return (f"{plural(registered, 'terminal')} registered, but no status written yet: "
                "is `yichuang fleet serve` running against this database?")
    if not rows:
        return "no terminals registered yet (enroll one: docs/provisioning.md)"
    counts: dict[State, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    lines = ["  ".join(f"{state} {n}" for state, n in sorted(counts.items(), key=lambda kv: kv[0].rank)),
             f"{'TERMINAL':<8} {'STATE':<11} {'HALL':<18} WHY"]
    for row in sorted(rows, key=lambda r: (r.state.rank, r.terminal)):
        reasons = printable("; ".join(row.reasons) or "-")
        lines.append(f"{printable(row.terminal):<8} {row.state:<11} {printable(row.hall or '-'):<18} {reasons}")
    return "\n".join(lines)


def _http(address: str, app: FastAPI, proxies: str | None) -> uvicorn.Server:
    """Serve ``app`` on ``HOST:PORT`` in a background thread, trusting X-Forwarded-For only from ``proxies``."""
    import uvicorn

    host, _, port = address.rpartition(":")
    server = uvicorn.Server(uvicorn.Config(app, host=host or "127.0.0.1", port=int(port), log_level="warning",
                                           proxy_headers=bool(proxies), forwarded_allow_ips=proxies or ""))
    threading.Thread(target=server.run, name="fleet-api", daemon=True).start()
    return server


@click.group("fleet")
def fleet_group() -> None:
    """The fleet monitor: which terminals cannot serve citizens, and why."""


@fleet_group.command("serve")
@link_options("fleet", "The fleet identity's certificate (CN fleet: telemetry and presence only).")
@click.option("--interval", type=click.IntRange(5, 3600), default=30, show_default=True,
              help="The terminals' heartbeat interval, seconds (three missed: offline).")
@click.option("--webhook", help="POST alert changes here (JSON, HMAC-signed with $YC_WEBHOOK_SECRET).")
@click.option("--http", "http",
              help="Serve the dashboard and the JSON API on HOST:PORT (e.g. 127.0.0.1:8080).")
@click.option("--insecure-cookies", is_flag=True,
              help="Session cookies without the Secure flag: only for plain HTTP on localhost or a private network "
                   "(put TLS in front otherwise).")
@click.option("--metrics", "metrics_at",
              help="Serve /metrics on this HOST:PORT of its own (e.g. 127.0.0.1:9108), never beside the dashboard, "
                   "so the proxy that publishes the dashboard never exposes it.")
@click.option("--trusted-proxies", help="Addresses of the reverse proxies whose X-Forwarded-For names the client "
                                        "(comma-separated; default none: the connecting address counts). The login "
                                        "rate limit and the audit log use that address.")
@click.option("--receipt-key", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Central's Ed25519 public key (<ca>/central/ack.pub): with it the dashboard's listener also serves "
                   "the public progress page a receipt's QR opens (/p/<token>; no login, state only).")
@click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Archive of published catalogs: the public progress page names items from the newest "
                   "(default: the bundled sample).")
@db_option
def serve(*, broker: str, broker_user: str, ca: str, cert: str, key: str, interval: int, webhook: str | None,
          http: str | None, insecure_cookies: bool, metrics_at: str | None, trusted_proxies: str | None,
          receipt_key: Path | None, catalogs: Path | None, db_url: str) -> None:
    """Run the monitor until SIGTERM or Ctrl-C, writing the overview and alerts every few seconds."""
    service_logging()
    from central.monitor.alerts import AlertBook
    from central.monitor.history import History
    from central.monitor.monitor import FleetMonitor
    from central.monitor.webhook import Webhook
    from protocol.link import Link, with_login

    host, port = parse_broker(broker)
    hook = Webhook(webhook, os.environ.get(SECRET_ENV, "").encode()) if webhook else None
    book = AlertBook(hook.notify if hook else lambda event, alert: None)
    engine = open_engine(db_url, upgrade=True)  # a service upgrades the schema on start (docs/databases.md)
    history = History(engine)
    link = with_login(Link(host, port, ca, cert, key), broker_user)
    monitor = FleetMonitor(engine, link, timedelta(seconds=interval), alerts=book, history=history)
    servers = _web(monitor, book, engine, http=http, metrics_at=metrics_at, secure=not insecure_cookies,
                   proxies=trusted_proxies, public=_public(receipt_key, catalogs))
    _monitor_until_stopped(monitor, history, f"fleet monitor on {broker}"
                           + (f", dashboard on http://{http}/" if http else ""))
    for server in servers:
        server.should_exit = True
    if hook is not None:
        hook.close()


def _public(path: Path | None, catalogs: Path | None) -> tuple[ed25519.Ed25519PublicKey, Catalog] | None:
    """Return central's receipt-vouching key and the newest catalog, for the public progress page (None: no page)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from central.platform.catalogs import CatalogArchive

    if path is None:
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise click.BadParameter(f"{path} is not an Ed25519 public key (central's ack.pub)", param_hint="--receipt-key")
    archive = CatalogArchive.published(catalogs)
    return key, archive.newest()


def _web(monitor: FleetMonitor, book: AlertBook, engine: Engine, *, http: str | None, metrics_at: str | None,
         secure: bool, proxies: str | None,
         public: tuple[ed25519.Ed25519PublicKey, Catalog] | None) -> list[uvicorn.Server]:
    """Start the dashboard with the API, and /metrics on a listener of its own."""
    from central.api.app import metrics_app
    from central.auth.accounts import Accounts
    from central.auth.security import Guard
    from central.auth.throttle import LoginThrottle
    from central.web import create_app

    guard = Guard(Accounts(engine), LoginThrottle(), secure_cookies=secure)
    servers = []
    if http:
        vouching, catalog = public if public is not None else (None, None)
        servers.append(_http(http, create_app(monitor, book, guard, metrics=False, vouching=vouching,
                                              catalog=catalog), proxies))
    if metrics_at:
        servers.append(_http(metrics_at, metrics_app(monitor, book), None))
    return servers


def _monitor_until_stopped(monitor: FleetMonitor, history: History, started: str) -> None:
    """Flush every few seconds until SIGTERM or Ctrl-C, then flush and keep the history one last time."""
    from central.monitor.memory import tune_gc, tune_switching

    stop = threading.Event()
    stop_on_signals(stop)
    tune_gc()
    tune_switching()
    monitor.start()
    click.echo(started, err=True)
    liveness = Liveness()
    liveness.ready(started)
    while not stop.wait(FLUSH_SECONDS):
        monitor.flush()
        liveness.alive()  # a flush that hangs stops the watchdog's pings
    liveness.stopping()
    monitor.flush(checkpoint=True)  # every last-heard time written before the stop
    history.save(datetime.now(UTC), force=True)
    monitor.stop()


fleet_group.add_command(user_group)
fleet_group.add_command(audit)
fleet_group.add_command(command)
fleet_group.add_command(commands_list)


@fleet_group.command("status")
@json_option
@db_option
def status(as_json: bool, db_url: str) -> None:
    """Print the fleet overview (as the monitor last wrote it)."""
    from central.monitor.statusdb import read_status
    from central.platform.registry import Registry

    engine = open_engine(db_url)
    rows = read_status(engine)
    registered = 0 if rows else len(Registry(engine).listing())
    emit(rows, as_json, lambda shown: _render(shown, registered))


@fleet_group.command("maintenance")
@click.argument("terminal")
@click.option("--on/--off", "on", required=True, help="Into maintenance, or back into service.")
@click.option("--by", required=True, help="Who (kept with the terminal).")
@db_option
def maintenance(terminal: str, on: bool, by: str, db_url: str) -> None:
    """Take a terminal out of alerting while it is serviced, or put it back."""
    from central.platform.registry import Registry

    Registry(open_engine(db_url)).maintenance(terminal, on, by)
    click.echo(f"{terminal} {'in maintenance' if on else 'back in service'}")


@fleet_group.command("alerts")
@json_option
@db_option
def alerts(as_json: bool, db_url: str) -> None:
    """Print live alerts first, then the recently resolved ones."""
    from central.monitor import alertdb

    def render(rows: list[dict[str, Any]]) -> str:
        lines = [printable(f"{r['state']:<12} {r['severity']:<8} {r['rule']:<14} {r['terminal']:<8} "
                           f"since {when(r['opened_at'])}") for r in rows]
        return "\n".join(lines) or "no alerts"
    emit(alertdb.read(open_engine(db_url)), as_json, render)
