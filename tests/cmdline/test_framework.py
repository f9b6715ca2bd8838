"""The command-line framework: help everywhere, one-line errors, --debug, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cmdline.base import EXIT_INTERNAL_ERROR, Root
from kiosk.cli.context import TerminalContext
from main import cli
from tests.common import ROOT, run


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """List the paths of every command under ``group`` (loading lazily registered groups)."""
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*prefix, name))} is listed but cannot be loaded"
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
    return found


def test_help_lists_the_command_groups() -> None:
    result = run("--help")
    assert result.returncode == 0
    for group in ("catalog", "application", "config", "demo"):
        assert f"  {group}" in result.stdout


def test_main_py_is_the_same_cli() -> None:
    via_main = subprocess.run(
        [sys.executable, "main.py", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert via_main.stdout == run("--help").stdout


@pytest.mark.parametrize("path", commands(cli))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
    assert command is not None
    assert command.help, f"{' '.join(path)} has no help text"


def test_a_bad_config_is_one_line_without_traceback(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[devices]\nprinter = "lpt1"\n', encoding="utf-8")
    result = run("config", "show", config=config)
    assert result.returncode == 2  # the operator's mistake
    assert result.stderr.strip().count("\n") == 0
    assert "devices.printer" in result.stderr
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[devices]\nprinter = "lpt1"\n', encoding="utf-8")
    result = run("--debug", "config", "show", config=config)
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_a_missing_file_is_a_user_error() -> None:
    result = run("catalog", "validate", "/nonexistent/catalog")
    assert result.returncode == 1
    assert "/nonexistent/catalog" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bug_is_reported_as_internal_with_its_own_exit_code() -> None:
    @click.group(cls=Root)
    @click.pass_context
    def root(ctx: click.Context) -> None:
        ctx.obj = TerminalContext()

    @root.command()
    def broken() -> None:
        raise RuntimeError("boom")

    result = CliRunner().invoke(root, ["broken"])
    assert result.exit_code == EXIT_INTERNAL_ERROR
    assert "internal error: RuntimeError (run again with --debug" in result.output
    assert "boom" not in result.output  # the message may quote personal data
    assert "--debug" in result.output


def test_config_json_is_machine_readable(tmp_path: Path) -> None:
    config = tmp_path / "terminal.toml"
    config.write_text('[terminal]\nid = "ZD0003"\n', encoding="utf-8")
    result = run("config", "show", "--json", config=config)
    assert result.returncode == 0
    assert json.loads(result.stdout)["terminal"]["id"] == "ZD0003"


def test_every_registered_user_error_names_an_exception_class() -> None:
    import importlib

    from cmdline.base import USER_ERRORS

    commands(cli)  # loads every group, so each registers its errors
    assert len(USER_ERRORS) > 10
    for name in USER_ERRORS:
        module, _, qualname = name.rpartition(".")
        kind = getattr(importlib.import_module(module), qualname, None)
        assert isinstance(kind, type), f"{name} names nothing"
        assert issubclass(kind, BaseException), f"{name} is not an exception"
        assert f"{kind.__module__}.{kind.__qualname__}" == name, f"{name} is defined as {kind.__module__}"


def test_a_service_logs_at_its_configured_level_and_debug_stays_debug() -> None:
    import logging

    from cmdline.base import service_logging

    root = logging.getLogger()
    before = root.level
    try:
        root.setLevel(logging.WARNING)  # what the root command sets without --debug
        service_logging("INFO")
        assert root.level == logging.INFO  # connect, enroll, drain, stop reach the journal
        root.setLevel(logging.DEBUG)  # --debug
        service_logging("ERROR")
        assert root.level == logging.DEBUG
    finally:
        root.setLevel(before)
