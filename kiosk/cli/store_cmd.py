"""`yichuang store …`: create, check, inspect and recover the encrypted local store."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import OperatorError, emit, json_option, progress
from kiosk.cli.context import TerminalContext, pass_terminal

if TYPE_CHECKING:
    from kiosk.store.store import Store


class StoreNotReady(OperatorError):
    """The store is missing or has an older schema: the technician runs `store upgrade`."""


def open_existing(app: TerminalContext) -> Store:
    """Open the store only if it exists and has this release's schema: nothing else creates or migrates it."""
    from kiosk.store.opening import not_ready

    problem = not_ready(app.config.store.path)
    if problem is not None:
        raise StoreNotReady(problem)
    return app.open_store()


def _counts(counts: dict[str, int]) -> str:
    """Render counts by state as ``3 queued, 1 sent`` (``none`` when empty)."""
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none"


def _render_stats(stats: dict[str, Any]) -> str:
    """Render store statistics for a technician, one line per subject."""
    age = stats["oldest_unsynced_seconds"]
    size = stats["bytes"]
    return "\n".join([
        f"applications: {_counts(stats['applications'])}",
        f"outbox: {_counts(stats['outbox'])}",
        f"shredded: {stats['shredded']}, ratings: {stats['ratings']}, live data keys: {stats['live_data_keys']}",
        f"critical events: {stats['critical_events']}",
        f"oldest unsynced: {'none' if age is None else f'{age // 60} min'}",
        f"size: database {size['database']:,} bytes, WAL {size['wal']:,} bytes",
    ])


def _render_check(report: dict[str, Any]) -> str:
    """Render a store check for a technician."""
    lines = [f"store {report['path']}: {'OK' if report['ok'] else 'PROBLEMS'}"]
    lines += [f"  problem: {p}" for p in report["problems"]]
    lines.append(f"  schema {report['schema_revision']}, key id {report['key_id']}")
    lines.append(f"  applications {report['applications']}, outbox {report['outbox']}, shredded {report['shredded']}")
    age = report["oldest_unsynced_seconds"]
    lines.append(f"  oldest unsynced: {'none' if age is None else f'{age // 60} min'}")
    return "\n".join(lines)


@click.group("store")
def store_group() -> None:
    """Create, check and recover the encrypted local store."""


@store_group.command("upgrade")
@pass_terminal
def upgrade(app: TerminalContext) -> None:
    """Create the store and its key, or migrate it to this release's schema (the key is made only if none exists)."""
    from kiosk.store import database as db

    store = app.open_store()
    click.echo(f"store {store.path} ready at schema {db.current_revision(store.engine)}; "
               f"{app.config.store.key_provider} key id {store.kek_id}")
    store.close()


store_group.add_command(upgrade, "init")  # the first release's name for it


@store_group.command("check")
@json_option
@pass_terminal
def check_command(app: TerminalContext, as_json: bool) -> None:
    """Check integrity, schema and key; exit 1 if anything is wrong."""
    from kiosk.store.inspect import check

    store = open_existing(app)
    report = check(store)
    store.close()
    emit(report, as_json, _render_check)
    if not report["ok"]:
        raise click.exceptions.Exit(1)


@store_group.command("stats")
@json_option
@pass_terminal
def stats_command(app: TerminalContext, as_json: bool) -> None:
    """Print counts by state and status, and the age of the oldest unsynced entry."""
    from kiosk.store.inspect import stats

    store = open_existing(app)
    emit(stats(store), as_json, _render_stats)
    store.close()


@store_group.command("shred")
@pass_terminal
def shred_command(app: TerminalContext) -> None:
    """Crypto-shred acknowledged records past the retention window now."""
    from kiosk.store import outbox

    store = open_existing(app)
    count = outbox.shred(store, timedelta(days=app.config.store.retention_days))
    store.close()
    click.echo(f"shredded {count} records")


@store_group.command("reprint")
@click.argument("number")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@pass_terminal
def reprint(app: TerminalContext, number: str, lang: str) -> None:
    """Print the receipt of an application again (refused once it is shredded)."""
    from domain.receipt import render_text

    store = open_existing(app)
    try:
        click.echo(render_text(store.reprint(number), "en" if lang == "en" else "zh"))
    finally:
        store.close()


@store_group.command("recover")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@pass_terminal
def recover_command(app: TerminalContext, path: Path, as_json: bool) -> None:
    """Put every application a quarantined store file still holds back in the outbox."""
    from kiosk.store.recover import recover

    store = open_existing(app)
    try:
        report = recover(store, path, lambda rows: progress(rows, "recovering"))
    finally:
        store.close()
    emit(report, as_json, lambda r: (
        f"recovered {len(r.recovered)}, already present {r.already_present}, shredded {r.shredded}, "
        f"problems {len(r.problems)}" + "".join(f"\n  {p}" for p in r.problems)
    ))
    if report.problems:
        raise click.exceptions.Exit(1)
