"""CLI plumbing shared by every command group: root options, error handling, output, exit codes."""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from cmdline.extras import missing_extra
from domain.export import to_jsonable

T = TypeVar("T")
EXIT_FAILED = 1  # the command could not do its work: a device, the network, a refused release
EXIT_MISTAKE = 2  # the operator's mistake: usage, an argument, the configuration, a database URL (click's too)
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE from sysexits.h

log = logging.getLogger("yichuang.cli")

# Exception types (by dotted name, so registering one imports nothing) whose message is written for
# the person at the keyboard. Each package registers its own errors (see `user_errors`).
USER_ERRORS: set[str] = {"builtins.OSError"}
MISTAKES: set[str] = set()  # of those, the ones that are the operator's mistake: exit 2


def user_errors(*names: str) -> None:
    """Register exception types, as ``module.QualName``, shown to the user as one line without a traceback."""
    USER_ERRORS.update(names)


def operator_mistakes(*names: str) -> None:
    """Register exception types that mean the operator asked wrongly (one line, exit 2)."""
    USER_ERRORS.update(names)
    MISTAKES.update(names)


def _registered(exc: BaseException, names: set[str]) -> bool:
    """Return whether ``exc`` is (a subclass of) one of the registered types."""
    return any(f"{kind.__module__}.{kind.__qualname__}" in names for kind in type(exc).__mro__)


def is_user_error(exc: BaseException) -> bool:
    """Return whether ``exc`` is (a subclass of) a registered user error."""
    return _registered(exc, USER_ERRORS)


Reenroll = Callable[[str, Path], str]  # (token, configuration file) -> terminal id; raises with words why not


@dataclass(frozen=True)
class RootOptions:
    """What the root command hands to every subcommand: its flags (each package builds its own context)."""

    config_path: Path | None = None
    debug: bool = False
    reenroll: Reenroll | None = None  # wired by the composition root: provisioning sits above the kiosk offering it


def service_logging(level: str = "INFO") -> None:
    """Let a long-running service log at ``level`` (the config's ``[log] level``; --debug keeps DEBUG).

    Under systemd (JOURNAL_STREAM set) each record is one JSON line for the journal; everywhere, ID and
    phone numbers in a message are masked before it is written (cmdline/logs.py).
    """
    from cmdline.logs import structured  # noqa: PLC0415 - python-json-logger only for the services

    root = logging.getLogger()
    root.setLevel(min(root.level or logging.WARNING, logging.getLevelName(level)))
    structured(root, json_lines=bool(os.environ.get("JOURNAL_STREAM")))


class InternalError(click.ClickException):
    """A bug rather than a user's mistake: exits with EX_SOFTWARE."""

    exit_code = EXIT_INTERNAL_ERROR


class OperatorError(click.ClickException):
    """The operator asked wrongly (an argument, the configuration, a database URL): exit 2, like a usage error."""

    exit_code = EXIT_MISTAKE


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use, so ``--help`` loads only the modules it lists.

    ``lazy`` maps a command name to ``"module:attribute"``; ``attach`` adds commands of other packages
    to a lazily loaded group (``{"sim": {"fleet": "demo.simcli:sim_fleet"}}``).
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None,
                 attach: dict[str, dict[str, str]] | None = None, **kwargs: Any) -> None:
        """Remember where each lazy command lives."""
        super().__init__(*args, **kwargs)
        self.lazy, self.attach = dict(lazy or {}), dict(attach or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the names of every command, loaded or not."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, importing it (and the commands attached to it) the first time."""
        if cmd_name in self.lazy:
            command = _load(self.lazy[cmd_name])
            del self.lazy[cmd_name]
            if isinstance(command, click.Group):
                for name, where in self.attach.pop(cmd_name, {}).items():
                    command.add_command(_load(where), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def _load(where: str) -> click.Command:
    """Import ``module:attribute`` and return the command it names."""
    module, _, attribute = where.partition(":")
    command = getattr(importlib.import_module(module), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{where} is not a click command")
    return command


class Root(LazyGroup):
    """Root group that turns exceptions into one clear line and a non-zero exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the chosen subcommand and translate whatever it raises."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if isinstance(exc, ModuleNotFoundError) and (extra := missing_extra(exc)) is not None:
                raise extra from None  # a terminal running a central command, or the other way round
            options = ctx.find_object(RootOptions)
            if options is not None and options.debug:
                raise
            if _registered(exc, MISTAKES):
                raise OperatorError(_describe(exc)) from None
            if is_user_error(exc):
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
    from rich.progress import track  # noqa: PLC0415 - rich is only needed on an interactive terminal

    yield from track(items, description=label, total=total, transient=True)
