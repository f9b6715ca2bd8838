"""`yichuang central db …`: the explicit schema upgrade, backup and restore of central's database."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from central.cli.options import DatabaseUnreachable, db_option, open_engine, shown_url


@click.group("db")
def db_group() -> None:
    """Central's database: create or upgrade its schema, back it up, restore it (docs/databases.md)."""


@db_group.command("upgrade")
@db_option
def upgrade(db_url: str) -> None:
    """Create central's database or migrate it to this release's schema (back it up first)."""
    from central.platform.database import current_revision, head_revision

    engine = open_engine(db_url, upgrade=True)
    click.echo(f"central's database {shown_url(db_url)} is at schema {current_revision(engine)} "
               f"(this release: {head_revision()})")


def _sqlite_path(db_url: str) -> Path | None:
    """Return the file of a SQLite URL, None for another database."""
    shown_url(db_url)
    return Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else None


def _pg_command(tool: str, db_url: str, *args: str) -> list[str]:
    """Return a pg_dump/pg_restore command line for central's PostgreSQL URL (libpq form, no driver)."""
    from sqlalchemy.engine import make_url

    libpq = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    return [tool, *args, f"--dbname={libpq}"]


def _run(command: list[str], db_url: str) -> None:
    """Run a PostgreSQL client tool; say plainly (never showing the password) when it fails."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, arguments as a list
    except FileNotFoundError:
        raise DatabaseUnreachable(f"{command[0]} is not installed (Debian: apt install postgresql-client)") from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.split())[:300]
        raise DatabaseUnreachable(f"{command[0]} failed for {shown_url(db_url)}: {reason}")


@db_group.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, dir_okay=False))
@db_option
def backup(dest: Path, db_url: str) -> None:
    """Write a consistent copy of central's database to DEST while the services keep writing."""
    from central.platform.database import backup_sqlite

    if dest.exists():
        raise DatabaseUnreachable(f"{dest} exists: give a new file name, a backup never overwrites one")
    source = _sqlite_path(db_url)
    if source is None:
        _run(_pg_command("pg_dump", db_url, "--format=custom", f"--file={dest}"), db_url)
        click.echo(f"backed up {shown_url(db_url)} to {dest} (pg_dump custom format; restore with "
                   "`yichuang central db restore`)")
        return
    open_engine(db_url).dispose()  # exists and is a central database of this release
    pages = backup_sqlite(source, dest)
    click.echo(f"backed up {source} to {dest} ({pages} pages, SQLite online backup)")


@db_group.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database's contents without asking.")
@db_option
def restore(source: Path, yes: bool, db_url: str) -> None:
    """Replace central's database with the backup SOURCE (stop the services first)."""
    from central.platform.database import backup_sqlite

    target = _sqlite_path(db_url)
    if not yes:
        click.confirm(f"replace every row of {shown_url(db_url)} with {source}?", abort=True)
    if target is None:
        _run(_pg_command("pg_restore", db_url, "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                         str(source)), db_url)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)
        backup_sqlite(source, target)
    open_engine(db_url).dispose()  # says so when the backup is of an older release: upgrade next
    click.echo(f"restored {shown_url(db_url)} from {source}")

