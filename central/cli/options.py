"""Options every central command group shares: central's database, and how to open it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "sqlite:////var/lib/yichuang-central/central.db"  # absolute: the same database from any folder
user_errors("central.platform.registry.RegistryError", "domain.catalog_reader.CatalogError",
            "central.cli.options.DatabaseUnreachable", "central.platform.metrics.MetricsAddressError")


class DatabaseUnreachable(Exception):
    """Central's database cannot be opened: the operator's URL, network or server (the password is never shown)."""


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db URL`` (SQLite or PostgreSQL)."""
    return click.option("--db", "db_url", envvar="YC_CENTRAL_DB", default=DEFAULT_DB, show_default=True,
                        help="Central's database: sqlite:///FILE or postgresql+psycopg://…")(func)


def open_engine(db_url: str) -> Engine:
    """Open central's database, creating the SQLite file's folder when needed; say plainly when it cannot be reached."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, OperationalError

    from central.platform.database import make_engine

    try:
        shown = make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        raise DatabaseUnreachable(f"--db {db_url!r} is not a database URL (sqlite:///FILE or "
                                  "postgresql+psycopg://USER@HOST/NAME)") from None
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = make_engine(db_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())[:300] if exc.orig else type(exc).__name__
        raise DatabaseUnreachable(f"cannot open central's database {shown}: {reason}") from None
    return engine


def broker_login_option(user: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--broker-user`` (default ``user``): the services listener's login; the password comes from ``--key``."""
    return click.option("--broker-user", default=user, show_default=True,
                        help="The user on the broker's services listener; its password is derived from --key "
                             "(`provision broker-config` writes the same into the broker's password file).")


def metrics_option(what: str, example: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--metrics HOST:PORT`` (a listener of its own for /metrics), checked before the service starts."""
    def checked(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        from central.platform.metrics import MetricsAddressError, parse_address

        if value is not None:
            try:
                parse_address(value)
            except MetricsAddressError as exc:
                raise click.BadParameter(str(exc)) from None
        return value
    return click.option("--metrics", "metrics_at", callback=checked,
                        help=f"Serve /metrics ({what}) on this HOST:PORT of its own (e.g. {example}), never beside "
                             "anything a proxy publishes.")
