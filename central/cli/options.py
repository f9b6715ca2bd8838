"""Options every central command group shares: central's database, and how to open it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cmdline.base import user_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEFAULT_DB = "sqlite:///var/central/central.db"
user_errors("central.platform.registry.RegistryError", "domain.catalog_reader.CatalogError")


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--db URL`` (SQLite or PostgreSQL)."""
    return click.option("--db", "db_url", envvar="YC_CENTRAL_DB", default=DEFAULT_DB, show_default=True,
                        help="Central's database: sqlite:///FILE or postgresql+psycopg://…")(func)


def open_engine(db_url: str) -> Engine:
    """Open central's database, creating the SQLite file's folder when needed."""
    from central.platform.database import make_engine

    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return make_engine(db_url)


def broker_login_option(user: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--broker-user`` (default ``user``): the services listener's login; the password comes from ``--key``."""
    return click.option("--broker-user", default=user, show_default=True,
                        help="The user on the broker's services listener; its password is derived from --key "
                             "(`provision broker-config` writes the same into the broker's password file).")
