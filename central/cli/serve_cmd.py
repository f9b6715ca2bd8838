"""`yichuang central serve`: central's ingest, in this process or as ``--workers`` processes under its watch.

With ``--workers 1`` this process takes its share of the uplink itself. With more, it becomes their
supervisor (cmdline/supervisor.py): it upgrades the schema once, starts N copies of itself with
``--ingest-process`` on the same shared subscription, tells systemd READY when every copy is, restarts
a copy that dies or hangs, delivers remote commands, and serves one /metrics summing the copies'
counters (prometheus_client's multiprocess mode, one file per copy in a private folder).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from central.cli.options import db_option, link_options, metrics_option, open_engine
from cmdline.base import service_logging, user_errors
from cmdline.liveness import Liveness
from cmdline.signals import stop_on_signals
from protocol.address import parse_broker

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from prometheus_client.registry import Collector
    from sqlalchemy import Engine

    from central.platform.dispatch import Dispatcher
    from central.platform.ingest import Ingest
    from cmdline.supervisor import Supervisor
    from protocol.link import Link

user_errors("cmdline.supervisor.SupervisorError")

PARENT_ONLY = frozenset({"workers", "metrics_at", "command_key", "case_days", "db_url", "ingest_process"})


@click.command("serve")
@link_options("central", "Central's client certificate (CN = the broker's central user).")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="Directory of central's keys (`<ca>/central` from `provision ca init`, or `central init`).")
@click.option("--passphrase-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="File holding the passphrase of encrypted keys (default: $CREDENTIALS_DIRECTORY/"
                   "central-keys-passphrase from systemd's LoadCredential=, else $YC_CA_PASSPHRASE).")
@click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Archive of published catalogs (default: the bundled sample only).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Ingest processes on the shared subscription (one per core): 1 ingests in this process; more "
                   "start that many, supervised by this one (restarted when they die or hang).")
@click.option("--command-key", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The fleet's command-signing key (<ca>/signing/command.key): with it central delivers the "
                   "remote commands of `fleet command` and the dashboard.")
@click.option("--case-days", type=click.IntRange(1, 60), default=5, show_default=True, envvar="YC_CASE_DAYS",
              help="Working days a 差评 follow-up may take (the province's rule: 5 or 15), for the overdue metric.")
@metrics_option("ingest counts, --cert's expiry, 差评 cases open and overdue", "127.0.0.1:9109")
@click.option("--ingest-process", is_flag=True, hidden=True, help="One of a supervising `central serve`'s copies.")
@db_option
@click.pass_context
def serve(ctx: click.Context, *, broker: str, broker_user: str, ca: str, cert: str, key: str, keys_dir: Path,
          passphrase_file: Path | None, catalogs: Path | None, workers: int, command_key: Path | None,
          case_days: int, metrics_at: str | None, ingest_process: bool, db_url: str) -> None:
    """Run central's ingest until SIGTERM or Ctrl-C."""
    service_logging()
    from central.platform import keys
    from central.platform.catalogs import CatalogArchive
    from central.platform.ingest import Ingest
    from protocol.link import Link, with_login

    host, port = parse_broker(broker)
    secret = keys.passphrase(passphrase_file, os.environ)
    central_keys, archive = keys.load(keys_dir, secret), CatalogArchive.published(catalogs)  # before the database
    ingest = Ingest(open_engine(db_url, upgrade=not ingest_process), central_keys, archive)  # copies only check
    link = with_login(Link(host, port, ca, cert, key), broker_user)
    signing = keys.load_signing(command_key, secret) if command_key else None
    stop = threading.Event()
    stop_on_signals(stop)
    dispatcher = _dispatcher(ingest.engine, link, signing, stop) if signing else None
    commands = "off (no --command-key)" if dispatcher is None else "on"
    if workers > 1:
        _supervise(ctx, ingest, stop, workers, commands)
    else:
        _metrics_address(metrics_at, ingest.metrics.collectors(), ingest, Path(cert), case_days)
        _ingest_here(ingest, link, stop, broker, commands, watch_parent=ingest_process)
    if dispatcher is not None:
        dispatcher.stop()


def _ingest_here(ingest: Ingest, link: Link, stop: threading.Event, broker: str, commands: str, *,
                 watch_parent: bool) -> None:
    """Take this process's share of the uplink until ``stop`` (or, for a copy, until its supervisor is gone)."""
    from central.platform.service import IngestService

    service = IngestService(ingest, link)
    ready = service.start(stop=stop)
    click.echo(f"central: ingest on {broker} ({'subscribed' if ready else 'connecting'}), "
               f"{len(ingest.archive.catalogs)} catalog versions, db {ingest.engine.dialect.name}, remote commands "
               f"{commands}", err=True)
    liveness, parent = Liveness(), os.getppid()

    def turned() -> None:
        """Ping the watchdog; a copy whose supervisor died stops (it would otherwise ingest unwatched)."""
        liveness.alive()
        if watch_parent and os.getppid() != parent:
            stop.set()
    liveness.ready("ingest")
    service.run(stop, turned=turned)
    liveness.stopping()
    click.echo(f"central: stopped after {service.handled()} MQTT messages", err=True)


def _supervise(ctx: click.Context, ingest: Ingest, stop: threading.Event, workers: int, commands: str) -> None:
    """Run ``workers`` copies of this command with ``--ingest-process`` until ``stop``; serve their metrics."""
    from central.platform.metrics import Copies
    from cmdline.supervisor import Supervisor

    params, liveness = ctx.params, Liveness()
    with ExitStack() as cleanup:  # nothing left in the temporary folder, however the start fails
        shared = Path(tempfile.mkdtemp(prefix="yc-metrics-", dir=os.environ.get("RUNTIME_DIRECTORY")))
        cleanup.callback(shutil.rmtree, shared, ignore_errors=True)
        env = {**os.environ, "YC_CENTRAL_DB": params["db_url"], "PROMETHEUS_MULTIPROC_DIR": str(shared)}
        supervisor = Supervisor(_copy_command(ctx), workers, env,
                                watchdog=2 * liveness.every if liveness.watched else 30.0)
        cleanup.callback(supervisor.shutdown)
        _metrics_address(params["metrics_at"], [_summed(shared), Copies(workers, supervisor.ready_now,
                                                                        supervisor.restarts)],
                         ingest, Path(params["cert"]), params["case_days"])
        click.echo(f"central: {workers} ingest processes on {params['broker']}, db {ingest.engine.dialect.name}, "
                   f"remote commands {commands}", err=True)
        supervisor.start()
        supervisor.run(stop, ready=lambda: liveness.ready(f"{workers} ingest processes"),
                       turned=_watched(liveness, supervisor, workers))
        liveness.stopping()
        click.echo(f"central: stopped {workers} ingest processes ({supervisor.restarts()} restarts)", err=True)


def _watched(liveness: Liveness, supervisor: Supervisor, workers: int) -> Callable[[], None]:
    """Return the supervisor's turn: ping systemd's watchdog, and show restarts in `systemctl status`."""
    shown = [0]

    def turned() -> None:
        """Ping; after a copy was started again, say so in the unit's status line."""
        liveness.alive()
        if supervisor.restarts() != shown[0]:
            shown[0] = supervisor.restarts()
            liveness.status(f"{supervisor.ready_now()} of {workers} ingest processes ready, {shown[0]} restarts")
    return turned


def _copy_command(ctx: click.Context) -> list[str]:
    """Return the command line of one copy: this command's options but the supervisor's own, and no secrets."""
    argv = [sys.executable, "-m", "main", *(["--debug"] if ctx.find_root().params.get("debug") else []),
            "central", "serve", "--ingest-process"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if isinstance(param, click.Option) and param.name not in PARENT_ONLY and value is not None:
            argv += [param.opts[0], str(value)]
    return argv  # the database URL (it may hold a password) goes by environment, never on a command line


def _summed(folder: Path) -> Collector:
    """Return a collector of the copies' counters, summed (prometheus_client's multiprocess mode)."""
    from prometheus_client.multiprocess import MultiProcessCollector

    return MultiProcessCollector(None, path=str(folder))  # type: ignore[no-untyped-call]


def _metrics_address(address: str | None, collectors: Iterable[Collector], ingest: Ingest, cert: Path,
                     case_days: int) -> None:
    """Serve ``collectors`` with the certificate's expiry and the 差评 cases on ``address``, when given."""
    if not address:
        return
    from central.platform.cases import CaseMetrics, Rules
    from central.platform.metrics import Expiry, serve

    serve(address, [*collectors, Expiry({"central": cert}),
                           CaseMetrics(ingest.engine, Rules(ingest.archive.newest().calendar, case_days))])


def _dispatcher(engine: Engine, link: Link, key: Ed25519PrivateKey, stop: threading.Event) -> Dispatcher:
    """Start the remote-command dispatcher in its own thread until ``stop``."""
    import socket

    from central.platform.dispatch import Dispatcher
    from protocol.topics import service_client_id

    name = service_client_id("central", f"commands-{socket.gethostname()}-{os.getpid()}")
    dispatcher = Dispatcher(engine, link, key, lambda: datetime.now(UTC), name=name)
    dispatcher.start()
    threading.Thread(target=dispatcher.run, args=(stop,), name="commands", daemon=True).start()
    return dispatcher
