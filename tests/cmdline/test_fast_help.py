"""A fast help: `yichuang --help` and every group's `--help` load none of the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from main import cli
from tests.common import ROOT

HEAVY = ("fastapi", "starlette", "uvicorn", "jinja2", "prometheus_client", "escpos", "PIL", "segno", "serial",
         "smartcard", "kivy", "babel", "pypinyin", "sqlalchemy", "alembic", "psycopg", "paho", "cryptography",
         "pydantic", "rich")
PROBE = f"""
import json, sys
from main import cli
cli.main(sys.argv[1:], prog_name="yichuang", standalone_mode=False)
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def groups(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """List the paths of ``group`` and of every group under it (loading lazily registered groups)."""
    found = [prefix]
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += groups(command, (*prefix, name))
    return found


@pytest.mark.parametrize("path", groups(cli), ids=lambda path: " ".join(("yichuang", *path)))
def test_help_loads_no_heavy_library(path: tuple[str, ...]) -> None:
    probe = subprocess.run([sys.executable, "-c", PROBE, *path, "--help"], capture_output=True, text=True,
                           cwd=ROOT, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr
    assert "Usage:" in probe.stdout
    loaded = json.loads(probe.stdout.splitlines()[-1])
    command = " ".join(("yichuang", *path, "--help"))
    assert not loaded, f"`{command}` imported {', '.join(loaded)}: import them inside the commands that use them"
