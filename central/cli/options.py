"""Options every central command group shares: central's database, and how to open it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import OperatorError, user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "sqlite:////var/lib/yichuang-central/central.db"  # absolute: the same database from any folder
user_errors("central.platform.registry.RegistryError", "domain.catalog_reader.CatalogError")


class DatabaseUnreachable(OperatorError):
    """Central's database cannot be used as given: URL, path, server or schema (the password is never shown)."""


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db URL`` (SQLite or PostgreSQL)."""
    return click.option("--db", "db_url", envvar="YC_CENTRAL_DB", default=DEFAULT_DB, show_default=True,
                        help="Central's database: sqlite:///FILE or postgresql+psycopg://…")(func)


def shown_url(db_url: str) -> str:
    """Return ``db_url`` with its password hidden, or say that it is not a database URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        raise DatabaseUnreachable(f"--db {db_url!r} is not a database URL (sqlite:///FILE or "
                                  "postgresql+psycopg://USER@HOST/NAME)") from None


def open_engine(db_url: str, *, upgrade: bool = False) -> Engine:
    """Open central's database; only with ``upgrade`` is it created or migrated, else it must exist and be current."""
    from sqlalchemy.exc import OperationalError

    from central.platform.database import make_engine

    shown = shown_url(db_url)
    if db_url.startswith("sqlite:///"):
        _sqlite_file(Path(db_url.removeprefix("sqlite:///")), create=upgrade)
    try:
        engine = make_engine(db_url, upgrade=upgrade)
        _check_schema(engine, shown)
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())[:300] if exc.orig else type(exc).__name__
        raise DatabaseUnreachable(f"cannot open central's database {shown}: {reason}") from None
    return engine


def _sqlite_file(path: Path, *, create: bool) -> None:
    """Make the folder of a database to be created; refuse a missing one otherwise, naming the path."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise DatabaseUnreachable(f"no central database at {path.absolute()}: check --db, or create it with "
                                  f"`yichuang central db upgrade --db sqlite:///{path.absolute()}`")


def _check_schema(engine: Engine, shown: str) -> None:
    """Refuse a database whose schema is not the one this release uses."""
    from central.platform.database import current_revision, head_revision

    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    engine.dispose()
    if current is None:
        raise DatabaseUnreachable(f"{shown} holds no central database yet: check --db, or create it with "
                                  "`yichuang central db upgrade`")
    raise DatabaseUnreachable(f"central's database {shown} is at schema {current}, this release uses {head}: "
                              "back it up, then run `yichuang central db upgrade` (docs/databases.md)")


def broker_login_option(user: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--broker-user`` (default ``user``): the services listener's login; the password comes from ``--key``."""
    return click.option("--broker-user", default=user, show_default=True,
                        help="The user on the broker's services listener; its password is derived from --key "
                             "(`provision broker-config` writes the same into the broker's password file).")
