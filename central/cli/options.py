"""Options every central command group shares: central's database, and how to open it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import operator_mistakes, user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "sqlite:////var/lib/yichuang-central/central.db"  # absolute: the same database from any folder
user_errors("domain.catalog_reader.CatalogError")
operator_mistakes("central.cli.options.DatabaseUnreachable", "central.platform.registry.RegistryError",
                  "central.platform.metrics.MetricsAddressError")


class DatabaseUnreachable(Exception):
    """Central's database cannot be used: a wrong URL, a missing file, the server, its schema (no password shown)."""


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db URL`` (SQLite or PostgreSQL)."""
    return click.option("--db", "db_url", envvar="YC_CENTRAL_DB", default=DEFAULT_DB, show_default=True,
                        help="Central's database: sqlite:///FILE or postgresql+psycopg://…")(func)


def keys_options(why: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--keys DIR`` (central's keys, needed ``why``) and ``--passphrase-file``."""
    def add(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--passphrase-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                            help="File holding the keys' passphrase (default: $CREDENTIALS_DIRECTORY, else "
                                 "$YC_CA_PASSPHRASE).")(func)
        return click.option("--keys", "keys_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
                            required=True, help=f"Directory of central's keys (`<ca>/central`): {why}.")(func)
    return add


def open_engine(db_url: str, *, upgrade: bool = False) -> Engine:
    """Open central's database; say plainly when it cannot be reached, does not exist or is at another revision.

    With ``upgrade`` (`central db upgrade` and the services) the schema is created or migrated;
    every other command leaves the database as it finds it, so a mistyped URL never makes a new one.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        raise DatabaseUnreachable(f"--db {db_url!r} is not a database URL (sqlite:///FILE or "
                                  "postgresql+psycopg://USER@HOST/NAME)") from None
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database)
        if upgrade:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise DatabaseUnreachable(f"no central database at {path.resolve()}: check --db (or $YC_CENTRAL_DB), "
                                      f"or create it with `yichuang central db upgrade --db {shown}`")
    engine = _connected(db_url, shown, upgrade)
    if not upgrade:
        _check_revision(engine, shown)
    return engine


def _connected(db_url: str, shown: str, upgrade: bool) -> Engine:
    """Make the engine and open one connection, turning a refusal into the server's own words."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from central.platform.database import make_engine

    try:
        engine = make_engine(db_url, upgrade=upgrade)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())[:300] if exc.orig else type(exc).__name__
        raise DatabaseUnreachable(f"cannot open central's database {shown}: {reason}") from None
    return engine


def _check_revision(engine: Engine, shown: str) -> None:
    """Refuse a database whose schema this release does not expect (missing, older or newer)."""
    from central.platform.database import head, revision

    found, wanted = revision(engine), head()
    if found is None:
        raise DatabaseUnreachable(f"{shown} holds no central schema: create it with "
                                  f"`yichuang central db upgrade --db {shown}`")
    if found != wanted:
        raise DatabaseUnreachable(f"central's database {shown} is at schema {found}, this release needs {wanted}: "
                                  f"back it up, then run `yichuang central db upgrade --db {shown}`")


def broker_login_option(user: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--broker-user`` (default ``user``): the services listener's login; the password comes from ``--key``."""
    return click.option("--broker-user", default=user, show_default=True,
                        help="The user on the broker's services listener; its password is derived from --key "
                             "(`provision broker-config` writes the same into the broker's password file).")


def link_options(user: str, cert_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add a service's broker link: --broker, --broker-user (default ``user``), --ca, --cert and --key."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--broker", required=True, help="mqtts://host:port of the broker's services listener (8884)."),
        broker_login_option(user),
        click.option("--ca", type=click.Path(exists=True, dir_okay=False), required=True,
                     help="CA certificate (PEM)."),
        click.option("--cert", type=click.Path(exists=True, dir_okay=False), required=True, help=cert_help),
        click.option("--key", type=click.Path(exists=True, dir_okay=False), required=True, help="Its private key."),
    ]

    def add(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):  # click lists options in the order they decorate
            func = option(func)
        return func
    return add


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
