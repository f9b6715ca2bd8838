"""The demo's sync step: a private broker, central ingest and the fleet monitor; the terminal's queue drains."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta
from pathlib import Path

import click

from central.platform.database import make_engine
from central.platform.registry import Registry
from demo.devstack import central_stack, yichuang
from kiosk.store.store import Store
from sync.agent import SyncAgent
from sync.keys import load_terminal_keys
from sync.telemetry import collect


def _fleet_status(db_url: str, agent: SyncAgent) -> str:
    """Keep the agent beating until the monitor's overview (written every few seconds) has its heartbeat."""
    deadline = time.monotonic() + 20
    while True:
        agent.step()
        shown = subprocess.run(yichuang("fleet", "status", "--db", db_url),  # noqa: S603 - our own CLI
                               capture_output=True, text=True, check=False)
        heard = agent.terminal in shown.stdout and "no heartbeat" not in shown.stdout
        if heard or time.monotonic() > deadline:
            return shown.stdout.rstrip() or shown.stderr.rstrip()
        time.sleep(0.5)


def sync_to_central(store: Store, terminal: str, hall: str, directory: Path, catalog_version: str) -> None:
    """Drain the demo terminal's outbox into a freshly started central platform and show what arrived."""
    with central_stack(directory) as (broker, db_url, keys_dir):
        click.echo(f"mosquitto on 127.0.0.1:{broker.port} (TLS, client certificates, ACL); central ingest started")
        link = broker.link(terminal)
        Registry(make_engine(db_url)).add(terminal, Path(link.cert).read_bytes(), hall=hall, site="hall")
        terminal_keys = load_terminal_keys(Path(link.key), keys_dir / "uplink.pub", keys_dir / "ack.pub")
        def heartbeat() -> bytes:
            beat = collect(store, terminal, app_version="demo", catalog_version=catalog_version,
                           cert_file=Path(link.cert))
            return beat.model_dump_json().encode()

        agent = SyncAgent(store, terminal, terminal_keys, link, ack_timeout=timedelta(seconds=5), heartbeat=heartbeat,
                          heartbeat_every=2)
        agent.start()
        drained = agent.run_until_drained(60)
        click.secho("outbox drained: central acknowledged every entry" if drained else "outbox NOT drained",
                    fg="green" if drained else "red")
        for args in (["apps", "list"], ["ratings", "--bad"], ["help-requests"]):
            click.secho(f"$ yichuang central {' '.join(args)}", fg="cyan")
            shown = subprocess.run(yichuang("central", *args, "--db", db_url),  # noqa: S603 - our own CLI
                                   capture_output=True, text=True, check=False)
            click.echo(shown.stdout.rstrip() or shown.stderr.rstrip())
        click.secho("$ yichuang fleet status", fg="cyan")
        click.echo(_fleet_status(db_url, agent))
        agent.stop()
