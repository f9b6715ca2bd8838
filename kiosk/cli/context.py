"""The terminal's command-line context: its configuration, store, catalog and clock, each loaded on first use."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

import click

from cmdline.base import Reenroll, RootOptions, operator_mistakes, user_errors

if TYPE_CHECKING:
    from domain.catalog import Catalog
    from kiosk.config import Config
    from kiosk.services.catalogs import CatalogSource
    from kiosk.store.keys import KeyProvider
    from kiosk.store.releases import ReleaseStore
    from kiosk.store.store import Store

P = ParamSpec("P")
R = TypeVar("R")
META_KEY = "yichuang.terminal"
user_errors(  # what any terminal command may meet in its catalog or store
    "domain.catalog_reader.CatalogError", "kiosk.store.errors.StoreError", "protocol.release.ReleaseError",
)
operator_mistakes(  # a wrong configuration, device URL, item code or hall: the operator's to fix (exit 2)
    "kiosk.config.ConfigError", "drivers.url.DeviceUrlError", "domain.catalog.UnknownCode",
    "domain.catalog.UnknownHall",
)


@dataclass
class TerminalContext:
    """What a terminal command works with; nothing is read before a command asks for it."""

    config_path: Path | None = None
    reenroll: Reenroll | None = None  # the technician screen's re-enrollment, as the composition root wired it
    _config: Config | None = field(default=None, repr=False)
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """Return the terminal configuration, loading it on first use (once per process)."""
        from kiosk.config import load_config

        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def config_file(self) -> Path:
        """Return the configuration file's path: --config, $YICHUANG_CONFIG or the default."""
        from kiosk.config import DEFAULT_PATH, ENV_VAR

        return self.config_path or Path(os.environ.get(ENV_VAR, str(DEFAULT_PATH)))

    def now(self) -> datetime:
        """Return the current time in the terminal's configured time zone."""
        return datetime.now(ZoneInfo(self.config.terminal.timezone))

    def key_provider(self) -> KeyProvider:
        """Build the configured key-encryption key provider."""
        from kiosk.store.providers import provider_for

        return provider_for(self.config.store)

    def open_store(self) -> Store:
        """Open the configured store (migrating it, checking its key)."""
        from kiosk.store.opening import open_store

        return open_store(self.config.store.path, self.key_provider())

    def releases(self) -> ReleaseStore:
        """Return the terminal's catalog releases (`[catalog] releases`)."""
        from kiosk.store.releases import ReleaseStore

        return ReleaseStore(self.config.catalog.releases)

    def catalog_source(self) -> CatalogSource:
        """Return what the kiosk serves: the active release, else the installed catalog (the sample when none)."""
        from domain.data import SAMPLE_CATALOG
        from kiosk.services.catalogs import CatalogSource

        return CatalogSource(self.releases(), self.config.catalog.path or SAMPLE_CATALOG)

    @property
    def catalog(self) -> Catalog:
        """Return the configured catalog (the bundled sample when none is set), loaded once."""
        from domain.catalog_loader import load_catalog
        from domain.data import SAMPLE_CATALOG

        if self._catalog is None:
            self._catalog = load_catalog(self.releases().current() or self.config.catalog.path or SAMPLE_CATALOG)
        return self._catalog


def terminal_context(ctx: click.Context) -> TerminalContext:
    """Return the command's terminal context, made once per invocation from the root's ``--config``."""
    if META_KEY not in ctx.meta:  # meta is shared by every context of one invocation
        options = ctx.find_object(RootOptions) or RootOptions()
        ctx.meta[META_KEY] = TerminalContext(options.config_path, options.reenroll)
    made: TerminalContext = ctx.meta[META_KEY]
    return made


def pass_terminal(command: Callable[Concatenate[TerminalContext, P], R]) -> Callable[P, R]:
    """Decorate a command to receive the `TerminalContext` as its first argument."""
    @click.pass_context
    def with_terminal(ctx: click.Context, /, *args: P.args, **kwargs: P.kwargs) -> Any:
        return ctx.invoke(command, terminal_context(ctx), *args, **kwargs)
    return functools.update_wrapper(with_terminal, command)
