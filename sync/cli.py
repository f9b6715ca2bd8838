"""`yichuang sync …`: run this terminal's sync agent, or show what waits for central."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import emit, json_option, service_logging, user_errors
from cmdline.liveness import Liveness
from cmdline.signals import stop_on_signals
from kiosk.cli.context import TerminalContext, pass_terminal
from protocol.address import parse_broker

if TYPE_CHECKING:
    from cryptography import x509

    from kiosk.store.store import Store
    from protocol.heartbeat import Heartbeat
    from sync.agent import SyncAgent
    from sync.catalog import CatalogFetcher
    from sync.commands import CommandDesk
    from sync.crl import CrlKeeper
    from sync.keys import TerminalKeys

log = logging.getLogger(__name__)

user_errors("sync.keys.KeyFileError")


def _agent(app: TerminalContext) -> SyncAgent:
    """Build the sync agent from the terminal configuration."""
    from importlib.metadata import version

    from kiosk.services.technician_card import issuing_ca
    from protocol import crl
    from protocol.clock import TrustedClock
    from protocol.keypass import is_encrypted, key_password
    from protocol.link import Link
    from sync.agent import SyncAgent
    from sync.diagnostics import bundle
    from sync.keys import load_terminal_keys
    from sync.telemetry import collect

    section = app.config.sync
    host, port = parse_broker(section.broker)
    store, terminal = app.open_store(), app.config.terminal.id
    password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
    keys = load_terminal_keys(section.key_file, section.central_key, section.ack_key, password)
    link = Link(host, port, str(section.ca_file), str(section.cert_file), str(section.key_file), password)
    installed, app_version, releases = app.catalog.version, version("yichuang"), app.releases()

    pinned = issuing_ca(section.ca_file)

    def beat() -> Heartbeat:
        serving, state = releases.serving(), releases.state()  # the kiosk switches between sessions: ask each time
        revocations = crl.held(section.crl_path(), pinned)
        return collect(store, terminal, app_version=app_version, cert_file=section.cert_file,
                       catalog_version=serving.version if serving else installed,
                       catalog_refused=state.refused["reason"] if state.refused else None,
                       crl_updated=revocations.last_update_utc.isoformat() if revocations else None)

    return SyncAgent(store, terminal, keys, link, ack_timeout=timedelta(seconds=section.ack_timeout_s),
                     clock=TrustedClock(section.time_file), heartbeat=lambda: beat().model_dump_json().encode(),
                     heartbeat_every=section.heartbeat_s, catalog=_fetcher(app, store),
                     commands=_desk(app, store, keys, lambda: bundle(store, beat(), releases)),
                     crl=_crl_keeper(app, store, pinned))


def _rotate_if_due(app: TerminalContext) -> None:
    """Renew the terminal's certificate before the agent connects when two thirds of its life have passed."""
    from protocol.clock import TrustedClock
    from protocol.keypass import is_encrypted, key_password
    from protocol.link import Link
    from sync.rotation import RotationError, confirm_pending, due, resume, rotate, unconfirmed

    section = app.config.sync
    clock = TrustedClock(section.time_file)
    resume(section.cert_file, section.key_file)
    pending = unconfirmed(section.cert_file).exists()
    if not section.cert_file.exists() or not (pending or due(section.cert_file, clock)):
        return
    store = app.open_store()
    try:
        password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
    finally:
        store.close()
    host, port = parse_broker(section.broker)
    link = Link(host, port, str(section.ca_file), str(section.cert_file), str(section.key_file), password)
    try:
        if confirm_pending(link, app.config.terminal.id, clock):
            return
        rotated = rotate(link, app.config.terminal.id, clock)
    except RotationError as exc:  # the old certificate stays (or is not revoked yet): the next start tries again
        log.warning("certificate rotation failed: %s", exc, extra={"event": "rotation_failed"})
        return
    log.info("certificate rotated: serial %s replaces %s, valid until %s", rotated.serial, rotated.replaced,
             rotated.not_after.isoformat(), extra={"event": "certificate_rotated", "terminal": app.config.terminal.id})


def _fetcher(app: TerminalContext, store: Store) -> CatalogFetcher | None:
    """Return the catalog release fetcher, or None (logged) when the terminal has no catalog-signing key pinned."""
    from kiosk.cli.catalog_cmd import signing_key
    from protocol.release import ReleaseError
    from sync.catalog import CatalogFetcher

    try:
        key = signing_key(app)
    except ReleaseError as exc:
        log.warning("catalog releases are off: %s", exc, extra={"event": "catalog_off"})
        return None
    return CatalogFetcher(app.releases(), key, app.config.terminal.hall, store)


def _crl_keeper(app: TerminalContext, store: Store, ca: x509.Certificate | None) -> CrlKeeper | None:
    """Return the keeper of the fleet's revocation list, or None (logged) when no issuing CA is pinned."""
    from sync.crl import CrlKeeper

    if ca is None:
        log.warning("the revocation list is off: no issuing CA in %s", app.config.sync.ca_file,
                    extra={"event": "crl_off"})
        return None
    return CrlKeeper(app.config.sync.crl_path(), ca, store)


def _desk(app: TerminalContext, store: Store, keys: TerminalKeys,
          diagnose: Callable[[], dict[str, Any]]) -> CommandDesk | None:
    """Return the remote-command desk, or None (logged) when the terminal has no command-signing key pinned."""
    from datetime import UTC, datetime

    from protocol.signed import SignedError, load_public
    from sync.commands import CommandDesk

    try:
        key = load_public(app.config.sync.command_key)
    except SignedError as exc:
        log.warning("remote commands are off: %s", exc, extra={"event": "commands_off"})
        return None
    return CommandDesk(store, app.config.terminal.id, key, keys.signer, lambda: datetime.now(UTC), diagnose)


@click.group("sync")
def sync_group() -> None:
    """This terminal's uplink to central."""


def _serve(app: TerminalContext, agent: SyncAgent, loaded: tuple[int, int] | None) -> None:
    """Pump until SIGTERM, a restart central asked for, or the certificate falling due for rotation."""
    from protocol.clock import TrustedClock
    from sync.rotation import DueWatch

    stop = threading.Event()
    stop_on_signals(stop)
    liveness = Liveness()
    liveness.ready(f"pumping the outbox of {agent.terminal}")
    watch = DueWatch(app.config.sync.cert_file, TrustedClock(app.config.sync.time_file), stop, loaded=loaded)

    def turned() -> None:
        """Ping the watchdog (a hung pump stops the pings: systemd restarts it) and watch the certificate."""
        liveness.alive()
        watch()

    agent.run(stop, turned=turned)
    liveness.stopping()
    if watch.due:
        click.echo("sync: stopped to rotate the certificate (systemd starts it again, rotating first)", err=True)
    if watch.replaced:
        click.echo("sync: stopped for the certificate a re-enrollment installed (systemd starts it again)", err=True)
    if agent.commands is not None and agent.commands.restart_asked:
        log.info("restarting as central asked", extra={"event": "restart_asked", "terminal": agent.terminal})
        click.echo("sync: stopped for a restart central asked for (systemd starts it again)", err=True)


@sync_group.command("run")
@click.option("--until-drained", is_flag=True, help="Exit once everything queued is acknowledged.")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="With --until-drained: give up (exit 3) after this many seconds.")
@pass_terminal
def run(app: TerminalContext, until_drained: bool, timeout: float) -> None:
    """Pump the outbox to central until SIGTERM (the systemd service), or until drained."""
    from sync.rotation import identity_of

    service_logging(app.config.log.level)
    _rotate_if_due(app)
    loaded = identity_of(app.config.sync.cert_file)  # before the keys load: a certificate replaced after is seen
    agent = _agent(app)
    agent.start()
    try:
        if until_drained:
            if not agent.run_until_drained(timeout):
                reason = f"the broker refused this terminal: {agent.refused}" if agent.refused else "timed out"
                click.echo(f"sync: not drained ({reason})", err=True)
                raise click.exceptions.Exit(3)
            log.info("drained", extra={"event": "drained", "terminal": agent.terminal})
            click.echo("sync: drained, every queued record is acknowledged by central", err=True)
            return
        _serve(app, agent, loaded)
    finally:
        agent.stop()
        agent.store.close()


@sync_group.command("export")
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@pass_terminal
def export(app: TerminalContext, dest: Path) -> None:
    """Write every application central has not acknowledged to DEST (a USB stick), for `central import`."""
    from datetime import UTC, datetime

    from kiosk.cli.store_cmd import open_existing
    from protocol.keypass import is_encrypted, key_password
    from sync.export import export_unsynced
    from sync.keys import load_terminal_keys

    if dest.exists():
        raise click.UsageError(f"{dest} exists: give a new file")
    section, store = app.config.sync, open_existing(app)
    try:
        password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
        keys = load_terminal_keys(section.key_file, section.central_key, section.ack_key, password)
        data, count = export_unsynced(store, app.config.terminal.id, keys, datetime.now(UTC))
    finally:
        store.close()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    click.echo(f"{count} unsynced record{'s' if count != 1 else ''} of {app.config.terminal.id} written to {dest} "
               f"(encrypted to central's key, signed by this terminal): `yichuang central import {dest.name}` at "
               "central; they stay queued here too")


def _render(report: dict[str, Any]) -> str:
    """Render the sync status for a technician."""
    age = report["oldest_unsynced_seconds"]
    return (f"outbox: {report['pending']} pending ({report['awaiting_ack']} sent, awaiting central's ack), "
            f"{report['needs_manual']} refused by central (need manual handling)\n"
            f"oldest unsynced: {'none' if age is None else f'{int(age // 60)} min'}")


@sync_group.command("status")
@json_option
@pass_terminal
def status(app: TerminalContext, as_json: bool) -> None:
    """Show what waits for central."""
    from kiosk.cli.store_cmd import open_existing
    from kiosk.store import outbox
    from kiosk.store.inspect import stats
    from kiosk.store.models import OutboxStatus

    store = open_existing(app)  # a status never creates or migrates the store
    try:
        numbers = stats(store)["outbox"]
        age = outbox.oldest_pending_age(store)
        report = {"pending": numbers.get(OutboxStatus.PENDING, 0), "awaiting_ack": store.count_unacked(),
                  "needs_manual": numbers.get(OutboxStatus.NEEDS_MANUAL, 0),
                  "acknowledged": numbers.get(OutboxStatus.ACKED, 0),
                  "oldest_unsynced_seconds": None if age is None else age.total_seconds()}
    finally:
        store.close()
    emit(report, as_json, _render)
