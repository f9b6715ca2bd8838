"""`yichuang decommission`: retire this terminal for good, losing no application and leaving no personal data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cmdline.base import OperatorError
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from kiosk.store.store import Store
    from sync.decommission import Done
    from sync.keys import TerminalKeys


def _config_path(app: TerminalContext) -> Path:
    """Return the terminal.toml this command read."""
    from kiosk.config import DEFAULT_PATH, ENV_VAR

    return app.config_path or Path(os.environ.get(ENV_VAR, str(DEFAULT_PATH)))


def _keys(app: TerminalContext, store: Store) -> tuple[TerminalKeys, str | None]:
    """Load the terminal's keys (the device key opened with the store's secret) and the device key's password."""
    from protocol.keypass import is_encrypted, key_password
    from sync.keys import load_terminal_keys

    section = app.config.sync
    password = key_password(store.device_secret()) if is_encrypted(section.key_file) else None
    return load_terminal_keys(section.key_file, section.central_key, section.ack_key, password), password


def _export(app: TerminalContext, store: Store, dest: Path) -> int:
    """Write the unsynced records to ``dest`` exactly as `sync export` does; return how many."""
    from datetime import UTC, datetime

    from sync.export import export_unsynced

    keys, _ = _keys(app, store)
    data, count = export_unsynced(store, app.config.terminal.id, keys, datetime.now(UTC))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)
    os.sync()  # a stick pulled right after must hold the whole file
    return count


def _waiting(app: TerminalContext, export_to: Path | None) -> int:
    """Return how many records wait for central; refuse (exit 2) while any wait and there is no ``export_to``."""
    from kiosk.cli.store_cmd import open_existing
    from kiosk.store import outbox

    terminal = app.config.terminal.id
    store = open_existing(app)
    try:
        waiting = len(outbox.unsynced(store))
    finally:
        store.close()
    if waiting and export_to is None:
        raise OperatorError(
            f"{waiting} record{'s' if waiting != 1 else ''} of {terminal} wait for central; nothing was changed. "
            "Bring the terminal online and run `yichuang sync run --until-drained`, or take them on a stick: "
            f"`yichuang decommission --export /media/usb/{terminal}.yc` (then `yichuang central import` there)")
    return waiting


def _export_backlog(app: TerminalContext, export_to: Path) -> int:
    """Export every unsynced record to ``export_to``; return how many."""
    from kiosk.cli.store_cmd import open_existing

    store = open_existing(app)
    try:
        return _export(app, store, export_to)
    finally:
        store.close()


def _tell_central(app: TerminalContext, timeout: float) -> bool:
    """Send the signed decommission notice over this terminal's identity; return whether central acknowledged it."""
    from kiosk.cli.store_cmd import open_existing
    from protocol.address import parse_broker
    from protocol.link import Link
    from sync.notice import notice_envelope, send_notice

    section, terminal = app.config.sync, app.config.terminal.id
    store = open_existing(app)
    try:
        keys, password = _keys(app, store)
        notice = notice_envelope(store, terminal, keys, "decommissioned by a technician")
    finally:
        store.close()
    host, port = parse_broker(section.broker)
    link = Link(host, port, str(section.ca_file), str(section.cert_file), str(section.key_file), password)
    return send_notice(link, terminal, keys, notice, timeout)


def _confirm(terminal: str, yes: bool) -> None:
    """Ask the technician to type the terminal id, unless ``yes``."""
    if yes:
        return
    typed = click.prompt(f"This destroys {terminal}'s store, keys and identity for good. Type its id to go on",
                         default="", show_default=False)
    if typed.strip() != terminal:
        raise OperatorError(f"not confirmed (typed {typed.strip()!r}, not {terminal}); nothing was changed")


def _report(terminal: str, done: Done, exported: int, export_to: Path | None, told: bool) -> None:
    """Say in words what was done, and what ops must still do at central."""
    if export_to is not None and exported:
        click.echo(f"exported {exported} unsynced record{'s' if exported != 1 else ''} to {export_to}: "
                   f"`yichuang central import {export_to.name}` at central stores each once")
    click.echo(f"store crypto-shredded: {done.key_files} key file(s) destroyed, then {done.store_files} store file(s) "
               "overwritten and removed")
    click.echo(f"identity destroyed: {done.identity_files} device key/certificate file(s) overwritten and removed"
               + ("; technician PIN cleared from terminal.toml" if done.pin_cleared else ""))
    if told:
        click.echo(f"central acknowledged the decommission notice: {terminal} is retired there; the CA host's "
                   "`yichuang provision crl refresh --db …` revokes its certificate")
    elif export_to is not None and exported:
        click.echo(f"central was NOT told, so that it takes the export: at central run `yichuang central import "
                   f"{export_to.name}` first, then `yichuang central terminals retire {terminal} --reason "
                   "decommissioned`")
    else:
        click.echo(f"central was NOT told by this terminal. To finish, ops run at central `yichuang central terminals "
                   f"retire {terminal} --reason decommissioned`; the CA host's `yichuang provision crl refresh --db …` "
                   "then revokes its certificate")
    click.echo(f"{terminal} is decommissioned: no application, key or secret is left on this disk")


@click.command("decommission")
@click.option("--export", "export_to", type=click.Path(path_type=Path, dir_okay=False),
              help="First write the unsynced records here (a USB stick), as `sync export` does.")
@click.option("--yes", is_flag=True, help="Do not ask to type the terminal id.")
@click.option("--offline", is_flag=True, help="Do not try to tell central (ops then run `central terminals retire`).")
@click.option("--timeout", type=click.FloatRange(1, 600), default=30, show_default=True,
              help="Seconds to wait for central's ack of the decommission notice.")
@pass_terminal
def decommission(app: TerminalContext, export_to: Path | None, yes: bool, offline: bool, timeout: float) -> None:
    """Retire this terminal: refuse while records wait (unless --export), then destroy store, keys and identity."""
    from sync.decommission import Markers, begin, destroy, finish

    terminal, markers = app.config.terminal.id, Markers.of(app.config)
    if markers.done.exists():
        click.echo(f"{terminal} is decommissioned already: nothing left to do")
        return
    if export_to is not None and export_to.exists():
        raise OperatorError(f"{export_to} exists: give a new file")
    resumed = markers.started.exists()
    waiting = 0 if resumed else _waiting(app, export_to)  # refuses before anything is asked or written
    _confirm(terminal, yes)
    exported = _export_backlog(app, export_to) if waiting and export_to is not None else 0
    # central refuses a retired terminal's records, imported ones too: with an export, ops retire it after the import
    if not resumed and not offline and not exported and _tell_central(app, timeout):
        markers.told.touch()
    begin(markers, terminal)
    if resumed:
        click.echo("an earlier decommission was interrupted: completing it")
    done = destroy(app.config, _config_path(app))
    told = markers.told.exists()
    finish(markers, terminal)
    _report(terminal, done, exported, export_to, told)
