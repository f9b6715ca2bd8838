"""`yichuang central db …`: create or upgrade central's schema, show its revision, and back it up.

Ops commands never create or migrate a database (a mistyped URL would otherwise make an empty
one); the services upgrade it when they start, and `db upgrade` does it on purpose — before the
first start, or after a backup when a release brings a migration. docs/databases.md has the
procedures, restores included.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from central.cli.options import DatabaseUnreachable, db_option, open_engine
from cmdline.base import emit, json_option, operator_mistakes

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

operator_mistakes("central.cli.db_cmd.BackupError")


class BackupError(Exception):
    """A backup that cannot be made where or how the operator asked."""


@click.group("db")
def db_group() -> None:
    """Central's database: schema upgrades and backups."""


@db_group.command("upgrade")
@db_option
def upgrade(db_url: str) -> None:
    """Create central's schema, or migrate it to this release's (safe to repeat)."""
    from central.platform.database import head, revision

    engine = open_engine(db_url, upgrade=True)
    click.echo(f"central's database {engine.url.render_as_string(hide_password=True)} is at schema "
               f"{revision(engine)} (this release's: {head()})")


@db_group.command("status")
@json_option
@db_option
def status(db_url: str, as_json: bool) -> None:
    """Show the database's schema revision and this release's; exit 2 when they differ."""
    from central.platform.database import head

    try:
        open_engine(db_url)
    except DatabaseUnreachable as exc:
        emit({"ok": False, "head": head(), "problem": str(exc)}, as_json, lambda r: r["problem"])
        raise click.exceptions.Exit(2) from None
    emit({"ok": True, "head": head()}, as_json, lambda r: f"central's database is at this release's schema {r['head']}")


@db_group.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@db_option
def backup(dest: Path, db_url: str) -> None:
    """Write a consistent copy of the database to DEST while the services run (SQLite file, or pg_dump -Fc)."""
    engine = open_engine(db_url)
    if dest.exists():
        raise BackupError(f"{dest} exists: give a new file (backups are never overwritten)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        _sqlite_backup(Path(str(engine.url.database)), dest)
    else:
        _pg_dump(engine.url, dest)
    size = dest.stat().st_size
    click.echo(f"backed up {engine.url.render_as_string(hide_password=True)} to {dest} ({size:,} bytes, "
               f"{datetime.now(UTC).astimezone():%Y-%m-%d %H:%M %Z})")


def _sqlite_backup(source: Path, dest: Path) -> None:
    """Copy a live SQLite database page by page (SQLite's online backup: consistent while others write)."""
    partial = dest.with_name(f".{dest.name}.partial")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(partial) as out:
        src.backup(out)
    os.replace(partial, dest)


def _pg_dump(url: URL, dest: Path) -> None:
    """Dump a PostgreSQL database in pg_dump's custom format (restored with pg_restore); the password goes by env."""
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed: install the PostgreSQL client (postgresql-client)")
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ, **({"PGPASSWORD": str(url.password)} if url.password else {})}
    command = ["pg_dump", "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={plain}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)  # noqa: S603
    if done.returncode != 0:
        dest.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {' '.join(done.stderr.split())[:300]}")
