"""`yichuang fleet demo`: the ops dashboard over a live simulated fleet, on this machine, until Ctrl-C.

A private broker (scratch PKI, TLS, ACL), central ingest, `fleet serve --http`, demo accounts,
and simulated terminals in five halls whose paper runs out, readers fail, links drop and
citizens call for help, faster than in life so something happens every minute.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from demo.rates import Rates
from demo.simcli import SIM_HALLS, SITES

if TYPE_CHECKING:
    from demo.simulator import FleetSimulator
    from protocol.link import Link

DEMO_PASSWORD = "yichuang-demo"  # noqa: S105 - the throw-away demo accounts' password, printed on start
DEMO_ACCOUNTS = {"demo-ops": "operator", "demo-viewer": "viewer", "demo-admin": "admin"}
HEARTBEAT_S = 5
LIVELY = Rates(applications=30, help_requests=3, paper_steps=8, reader_flips=2, drops=2, returns=20)


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM as Ctrl-C, so the broker and servers the demo started are stopped too."""
    raise KeyboardInterrupt


def _fleet(links: dict[str, Link], keys_dir: Path, db_url: str) -> FleetSimulator:
    """Register the simulated terminals of ``links`` across the demo halls; return their simulator."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from central.platform.database import make_engine
    from central.platform.registry import Registry
    from demo.simterminal import Uplink
    from demo.simulator import FleetSimulator
    from sync.keys import load_terminal_keys

    registry = Registry(make_engine(db_url))
    for n, terminal in enumerate(links):
        hall = SIM_HALLS[n % len(SIM_HALLS)]
        registry.add(terminal, Path(links[terminal].cert).read_bytes(), hall=hall, site=SITES.get(hall, "hall"))
    first = next(iter(links.values()))
    central = load_terminal_keys(Path(first.key), keys_dir / "uplink.pub", keys_dir / "ack.pub")

    @cache
    def signer(terminal: str) -> ec.EllipticCurvePrivateKey:
        return load_terminal_keys(Path(links[terminal].key), keys_dir / "uplink.pub", keys_dir / "ack.pub").signer

    uplink = Uplink(central.central, central.acks, signer)
    return FleetSimulator(list(links), links.__getitem__, heartbeat_every=HEARTBEAT_S, uplink=uplink, rates=LIVELY)


@click.command("demo")
@click.option("--terminals", type=click.IntRange(1, 500), default=25, show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="The dashboard's port on 127.0.0.1.")
@click.option("--seconds", type=float, help="Stop after this long (default: run until Ctrl-C).")
@click.option("--work", type=click.Path(path_type=Path, file_okay=False), default=Path("var/fleet-demo"),
              show_default=True, help="Scratch directory (emptied first).")
def fleet_demo(terminals: int, port: int, seconds: float | None, work: Path) -> None:
    """Run the ops dashboard over a live simulated fleet and print its address and demo logins."""
    import asyncio

    from central.auth.accounts import Accounts
    from central.platform.database import make_engine
    from demo.devstack import central_stack

    address = f"127.0.0.1:{port}"
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise click.ClickException(f"something already listens on {address}: run "
                                       f"`.venv/bin/yichuang fleet demo --port N` with a free port")
    signal.signal(signal.SIGTERM, _interrupt)
    fleet_args = ("--http", address, "--insecure-cookies", "--interval", str(HEARTBEAT_S))
    with central_stack(work.resolve(), fleet_args) as (broker, db_url, keys_dir):
        accounts = Accounts(make_engine(db_url))
        for name, role in DEMO_ACCOUNTS.items():
            accounts.add(name, role, DEMO_PASSWORD, datetime.now(UTC))
        links = {f"SM{n:04d}": broker.link(f"SM{n:04d}") for n in range(1, terminals + 1)}
        simulator = _fleet(links, keys_dir, db_url)
        click.secho(f"\nOps dashboard: http://{address}/", fg="green", bold=True)
        click.echo(f"  log in as demo-ops (operator), demo-viewer (viewer) or demo-admin (admin); "
                   f"password {DEMO_PASSWORD}")
        click.echo(f"  {terminals} simulated terminals in {len(SIM_HALLS)} halls; paper runs out, links drop, "
                   "citizens call for help.")
        click.echo("  Ctrl-C stops the demo." if seconds is None else f"  Stopping after {seconds:.0f} s.")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(simulator.run_and_close(seconds if seconds is not None else 10 * 365 * 86400))
