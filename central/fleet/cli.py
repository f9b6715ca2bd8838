"""`yichuang fleet …`: run the fleet monitor, or print the overview it keeps."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from typing import Any

import click

from central.cli import db_option, open_engine
from central.fleet.monitor import FleetMonitor, read_status
from kiosk.cli.base import emit, json_option
from sync.link import Link, parse_broker

FLUSH_SECONDS = 5.0


def _render(rows: list[dict[str, Any]]) -> str:
    """Render the overview: terminals needing action first, with the reason in words."""
    if not rows:
        return "no terminals known yet"
    order = {"offline": 0, "degraded": 1, "revoked": 2, "maintenance": 3, "online": 4}
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    lines = ["  ".join(f"{state} {n}" for state, n in sorted(counts.items(), key=lambda kv: order.get(kv[0], 9)))]
    for row in sorted(rows, key=lambda r: (order.get(r["state"], 9), r["terminal"])):
        reasons = "; ".join(row["reasons"]) or "-"
        lines.append(f"{row['terminal']:<8} {row['state']:<11} {row['hall'] or '-':<18} {reasons}")
    return "\n".join(lines)


@click.group("fleet")
def fleet_group() -> None:
    """The fleet monitor: which terminals cannot serve citizens, and why."""


@fleet_group.command("serve")
@click.option("--broker", required=True, help="mqtts://host:port of the broker.")
@click.option("--ca", type=click.Path(exists=True, dir_okay=False), required=True, help="CA certificate (PEM).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), required=True,
              help="The fleet identity's certificate (CN fleet: telemetry and presence only).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), required=True, help="Its private key.")
@click.option("--interval", type=click.IntRange(5, 3600), default=30, show_default=True,
              help="The terminals' heartbeat interval, seconds (three missed: offline).")
@db_option
def serve(*, broker: str, ca: str, cert: str, key: str, interval: int, db_url: str) -> None:
    """Run the monitor until SIGTERM or Ctrl-C, writing the overview every few seconds."""
    host, port = parse_broker(broker)
    monitor = FleetMonitor(open_engine(db_url), Link(host, port, ca, cert, key), timedelta(seconds=interval))
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    monitor.start()
    click.echo(f"fleet monitor on {broker}", err=True)
    while not stop.wait(FLUSH_SECONDS):
        monitor.flush()
    monitor.flush()
    monitor.stop()


@fleet_group.command("status")
@json_option
@db_option
def status(as_json: bool, db_url: str) -> None:
    """Print the fleet overview (as the monitor last wrote it)."""
    emit(read_status(open_engine(db_url)), as_json, _render)
