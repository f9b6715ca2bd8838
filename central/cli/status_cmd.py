"""`central apps set-status` and `central apps history`: the back office's word on an application, sent back."""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime
from pathlib import Path

import click

from central.cli.options import db_option, keys_options, open_engine
from cmdline.base import emit, json_option, operator_mistakes

operator_mistakes("central.platform.status.StatusError")  # an unknown application, a change the lifecycle forbids


@click.command("set-status")
@click.argument("application")
@click.argument("state")
@click.option("--reason", default="", help="Why (required to refuse, deny or ask for a supplement): the citizen "
              "is told it at any terminal, so nothing personal.")
@click.option("--owed", multiple=True, help="A material still owed (its catalog id); repeat for several. Only with "
              "needs_supplement.")
@click.option("--by", default=None, help="Who decided (the audit log names them); default: this login.")
@click.option("--days", type=click.IntRange(1, 60), default=5, show_default=True,
              help="With needs_supplement: working days to hand the materials in (the deadline the citizen is told).")
@click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Archive of published catalogs: the newest's working calendar counts the days (default: the "
                   "bundled sample's).")
@db_option
def set_status(application: str, state: str, *, reason: str, owed: tuple[str, ...], by: str | None, days: int,
               catalogs: Path | None, db_url: str) -> None:
    """Move APPLICATION (receipt number or id) to STATE; its terminal hears it once online."""
    from central.platform import status
    from central.platform.catalogs import CatalogArchive

    who = by or getpass.getuser()
    calendar = CatalogArchive.load(catalogs).newest().calendar if catalogs else None
    done = status.change(open_engine(db_url), status.Change(application, state, who, reason, owed, "cli", days),
                         datetime.now(UTC), calendar)
    click.echo(f"{application} is now {done}; its terminal is told when it is online")


@click.command("history")
@click.argument("application")
@json_option
@db_option
def history(application: str, as_json: bool, db_url: str) -> None:
    """List APPLICATION's changes of state, oldest first."""
    from central.platform import status

    rows = status.history(open_engine(db_url), application)
    emit(rows, as_json, lambda rs: "\n".join(f"{r['at']}  {r['state']:<17} {r['event']:<18} {r['by']}"
                                             f"  terminal: {r['delivery'] or '-'}"
                                             + (f"  ({r['reason']})" if r["reason"] else "") for r in rs)
         or "no change since it was received")


@click.command("index-holders")
@keys_options("the applications are opened with them")
@click.option("--catalogs", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Archive of published catalogs (default: the sample): it says which field holds the ID number.")
@db_option
def index_holders(*, keys_dir: Path, passphrase_file: Path | None, catalogs: Path | None, db_url: str) -> None:
    """Index applications stored before 进度查询 by ID card existed, so a holder's card finds them too (once)."""
    from central.platform import keys, progress
    from central.platform.catalogs import CatalogArchive

    archive = CatalogArchive.published(catalogs)
    indexed, without = progress.index_holders(open_engine(db_url),
                                              keys.load(keys_dir, keys.passphrase(passphrase_file, os.environ)),
                                              archive)
    click.echo(f"{indexed} applications indexed by holder; {without} hold no ID number (or a catalog not kept)")
