"""CLI plumbing shared by every command group: context, error handling, output."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.progress import track

from kiosk.config import Config, load_config
from kiosk.data import SAMPLE_CATALOG
from kiosk.domain.catalog import Catalog
from kiosk.domain.catalog_loader import load_catalog
from kiosk.domain.export import to_jsonable
from kiosk.store.keys import KeyProvider
from kiosk.store.opening import open_store
from kiosk.store.providers import provider_for
from kiosk.store.store import Store

T = TypeVar("T")
EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE from sysexits.h

log = logging.getLogger("yichuang.cli")

# Exception types whose message is written for the person at the keyboard. Command groups
# register their own domain errors here (see `user_error`).
USER_ERRORS: list[type[BaseException]] = [OSError]


def user_error(cls: type[BaseException]) -> type[BaseException]:
    """Register ``cls`` as an error shown to the user as one line, without a traceback."""
    USER_ERRORS.append(cls)
    return cls


@dataclass
class AppContext:
    """What the root command hands to every subcommand: flags and the lazily loaded config."""

    config_path: Path | None = None
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        """Return the terminal configuration, loading it on first use (once per process)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def now(self) -> datetime:
        """Return the current time in the terminal's configured time zone."""
        return datetime.now(ZoneInfo(self.config.terminal.timezone))

    def key_provider(self) -> KeyProvider:
        """Build the configured key-encryption key provider."""
        return provider_for(self.config.store)

    def open_store(self) -> Store:
        """Open the configured store (migrating it, checking its key)."""
        return open_store(self.config.store.path, self.key_provider())

    @property
    def catalog(self) -> Catalog:
        """Return the configured catalog (the bundled sample when none is set), loaded once."""
        if self._catalog is None:
            self._catalog = load_catalog(self.config.catalog.path or SAMPLE_CATALOG)
        return self._catalog


pass_app = click.make_pass_decorator(AppContext, ensure=True)


class InternalError(click.ClickException):
    """A bug rather than a user's mistake: exits with EX_SOFTWARE."""

    exit_code = EXIT_INTERNAL_ERROR


class Root(click.Group):
    """Root group that turns exceptions into one clear line and a non-zero exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen subcommand and translate whatever it raises."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            if isinstance(exc, tuple(USER_ERRORS)):
                raise click.ClickException(_describe(exc)) from None
            log.debug("internal error", exc_info=True)
            # The message may quote input (a citizen's data): only --debug shows it.
            raise InternalError(f"internal error: {type(exc).__name__} (run again with --debug for details)") from None


def _describe(exc: BaseException) -> str:
    """Return a one-line description of ``exc`` for a user."""
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"{exc.filename}: no such file or directory"
    if isinstance(exc, PermissionError) and exc.filename:
        return f"{exc.filename}: permission denied"
    return " ".join(str(exc).split()) or type(exc).__name__


def json_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--json`` to a command: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")(func)


def emit(data: Any, as_json: bool, render: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON, or as the text ``render`` makes of it."""
    if as_json:
        click.echo(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))
    else:
        click.echo(render(data))


def progress(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar on an interactive terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    yield from track(items, description=label, total=total, transient=True)
